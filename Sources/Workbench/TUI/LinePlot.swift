import Foundation

/// A line chart drawn with braille dots: several series over a shared x range, a y axis with ticks
/// and labels, optional log scale, and an optional vertical marker (the rank view's scrubbed step,
/// the loss plot's cursor). Series differ in shape as well as colour, so they stay apart without
/// colour: a solid line, bare dots, or a glyph at each point. The loss plot and the AdaLoRA budget
/// curve are both this.
struct LinePlot {
    /// How a series is drawn.
    enum Style: Equatable {
        /// Points joined by lines.
        case line
        /// Every point a dot, not joined (a noisy raw curve under its smoothed one).
        case dots
        /// A glyph in the cell of every point (evaluations).
        case glyph(Character)
    }

    /// One curve.
    struct Series {
        var points: [(x: Double, y: Double)]
        var role: ThemeRole
        var style = Style.line
        /// Whether its values set the y range (a raw curve under a smoothed one does not: its
        /// spikes would flatten everything else); points outside the range are left out.
        var setsScale = true
    }

    var series: [Series]
    var xRange: ClosedRange<Double>
    var logScale = false
    /// An x value to mark with a vertical line.
    var marker: Double?

    /// Draws into `rect` (labels included); returns the area of the curves (right of the y labels,
    /// above the x axis), nil when there was nothing to plot.
    @discardableResult
    func draw(into grid: inout Grid, rect: Rect) -> Rect? {
        let visible = { (point: (x: Double, y: Double)) in point.y.isFinite && (!logScale || point.y > 0) && xRange.contains(point.x) }
        var values = series.filter(\.setsScale).flatMap { $0.points.filter(visible).map(\.y) }
        if values.isEmpty { values = series.flatMap { $0.points.filter(visible).map(\.y) } }
        guard rect.width > 10, rect.height > 2, var low = values.min(), var high = values.max() else { return nil }
        let transform: (Double) -> Double = logScale ? { Foundation.log(max($0, 1e-12)) } : { $0 }
        let inverse: (Double) -> Double = logScale ? { Foundation.exp($0) } : { $0 }
        var (top, bottom) = (transform(high), transform(low))
        if top - bottom < 1e-9 { (top, bottom) = (top + 0.5, bottom - 0.5); (high, low) = (inverse(top), inverse(bottom)) }
        let plotHeight = rect.height - 1
        let tickCount = max(2, min(5, plotHeight / 3 + 1))
        let ticks = (0 ..< tickCount).map { index -> (row: Int, label: String) in
            let fraction = Double(index) / Double(tickCount - 1)
            return (Int((fraction * Double(plotHeight - 1)).rounded()), Self.label(inverse(top - fraction * (top - bottom))))
        }
        let labelWidth = (ticks.map(\.label.count).max() ?? 1) + 1
        let area = Rect(x: rect.x + labelWidth, y: rect.y, width: rect.width - labelWidth, height: plotHeight)
        var canvas = BrailleCanvas(columns: area.width, rows: area.height)
        let span = max(xRange.upperBound - xRange.lowerBound, 1e-9)
        func pixel(_ point: (x: Double, y: Double)) -> (x: Int, y: Int) {
            let px = (point.x - xRange.lowerBound) / span * Double(canvas.pixelWidth - 1)
            let py = (1 - (transform(point.y) - bottom) / (top - bottom)) * Double(canvas.pixelHeight - 1)
            return (Int(px.rounded()), Int(py.rounded()))
        }
        var glyphs: [(x: Int, y: Int, character: Character, role: ThemeRole)] = []
        for line in series {
            let points = line.points.filter(visible).map(pixel)
            switch line.style {
            case .line:
                if points.count == 1 { canvas.set(points[0].x, points[0].y, role: line.role) }
                for (a, b) in zip(points, points.dropFirst()) { canvas.line(from: a, to: b, role: line.role) }
            case .dots:
                for point in points { canvas.set(point.x, point.y, role: line.role) }
            case let .glyph(character):
                glyphs += points.filter { $0.y >= 0 && $0.y < canvas.pixelHeight }.map { ($0.x / 2, $0.y / 4, character, line.role) }
            }
        }
        if let marker {
            let x = pixel((marker, low)).x
            for y in 0 ..< canvas.pixelHeight { canvas.set(x, y, role: .accent) }
        }
        canvas.draw(into: &grid, x: area.x, y: area.y)
        for glyph in glyphs { grid[area.x + glyph.x, area.y + glyph.y] = Cell(character: glyph.character, role: glyph.role) }
        for tick in ticks {
            grid.put(tick.label.leftPadded(to: labelWidth - 1) + "┤", x: rect.x, y: rect.y + tick.row, role: .dim)
        }
        let axis = rect.maxY - 1
        grid.put(Self.label(xRange.lowerBound), x: area.x, y: axis, role: .dim)
        let end = Self.label(xRange.upperBound)
        grid.put(end, x: area.x + area.width - end.count, y: axis, role: .dim)
        if logScale { grid.put("log", x: rect.x, y: axis, role: .dim) }
        return area
    }

    /// The x value under screen column `column` of a plot whose curves `draw` put in `area`: the
    /// middle of the column's two dots, through the drawing's own mapping (a click on the plot).
    func x(atColumn column: Int, of area: Rect) -> Double {
        let pixel = Double(column - area.x) * 2 + 0.5
        return xRange.lowerBound + pixel / Double(max(area.width * 2 - 1, 1)) * (xRange.upperBound - xRange.lowerBound)
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
