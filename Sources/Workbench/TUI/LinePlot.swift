import Foundation

/// A line chart drawn with braille dots: several series over a shared x range, a y axis with its
/// top and bottom values, optional log scale, and an optional vertical marker (the rank view's
/// scrubbed step). The loss plot and the AdaLoRA budget curve are both this.
struct LinePlot {
    /// One curve.
    struct Series {
        var points: [(x: Double, y: Double)]
        var role: ThemeRole
    }

    var series: [Series]
    var xRange: ClosedRange<Double>
    var logScale = false
    /// An x value to mark with a vertical line.
    var marker: Double?

    /// Draws into `rect` (labels included); returns false when there was nothing to plot.
    @discardableResult
    func draw(into grid: inout Grid, rect: Rect) -> Bool {
        let values = series.flatMap { $0.points.map(\.y) }.filter { $0.isFinite && (!logScale || $0 > 0) }
        guard rect.width > 10, rect.height > 2, var low = values.min(), var high = values.max() else { return false }
        let transform: (Double) -> Double = logScale ? { Foundation.log(max($0, 1e-12)) } : { $0 }
        var (top, bottom) = (transform(high), transform(low))
        if top - bottom < 1e-9 { (top, bottom) = (top + 0.5, bottom - 0.5); (high, low) = (logScale ? Foundation.exp(top) : top, logScale ? Foundation.exp(bottom) : bottom) }
        let labelWidth = max(Self.label(high).count, Self.label(low).count) + 1
        let area = Rect(x: rect.x + labelWidth, y: rect.y, width: rect.width - labelWidth, height: rect.height - 1)
        var canvas = BrailleCanvas(columns: area.width, rows: area.height)
        let span = max(xRange.upperBound - xRange.lowerBound, 1e-9)
        func pixel(_ point: (x: Double, y: Double)) -> (x: Int, y: Int) {
            let px = (point.x - xRange.lowerBound) / span * Double(canvas.pixelWidth - 1)
            let py = (1 - (transform(point.y) - bottom) / (top - bottom)) * Double(canvas.pixelHeight - 1)
            return (Int(px.rounded()), Int(py.rounded()))
        }
        for line in series {
            let points = line.points.filter { $0.y.isFinite && (!logScale || $0.y > 0) }.map(pixel)
            if points.count == 1 { canvas.set(points[0].x, points[0].y, role: line.role) }
            for (a, b) in zip(points, points.dropFirst()) { canvas.line(from: a, to: b, role: line.role) }
        }
        if let marker {
            let x = pixel((marker, low)).x
            for y in 0 ..< canvas.pixelHeight { canvas.set(x, y, role: .accent) }
        }
        canvas.draw(into: &grid, x: area.x, y: area.y)
        grid.put(Self.label(high), x: rect.x, y: rect.y, role: .dim)
        grid.put(Self.label(low), x: rect.x, y: area.maxY - 1, role: .dim)
        let axis = rect.maxY - 1
        grid.put(Self.label(xRange.lowerBound), x: area.x, y: axis, role: .dim)
        let end = Self.label(xRange.upperBound)
        grid.put(end, x: area.x + area.width - end.count, y: axis, role: .dim)
        if logScale { grid.put("log", x: rect.x, y: axis, role: .dim) }
        return true
    }

    /// A short label: `8.31`, `0.0042`, `1.2e+05`, `60`.
    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        if magnitude >= 1e4 || magnitude < 1e-3 { return String(format: "%.1e", value) }
        return String(format: magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.3g", value)
    }

    /// TensorBoard's smoothing: an exponential moving average with its start-up bias removed.
    static func smoothed(_ values: [Double], factor: Double) -> [Double] {
        guard factor > 0 else { return values }
        var average = 0.0, weight = 0.0
        return values.map { value in
            average = factor * average + (1 - factor) * value
            weight = factor * weight + (1 - factor)
            return average / weight
        }
    }
}
