/// AdaLoRA's rank allocation: a heat map of rank per layer × module at the scrubbed step, and the
/// budget curve over steps with the scrubbed step marked (`[` and `]` move it).
enum RanksPane {
    /// Shades from rank 0 to the largest rank.
    static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// The shade of `rank` out of `maximum`: blank for 0 only, so a rank of 1 never looks pruned.
    static func level(rank: Int, maximum: Int) -> Int {
        guard rank > 0, maximum > 0 else { return 0 }
        return max(1, Int((Double(rank) / Double(maximum) * Double(shades.count - 1)).rounded()))
    }

    static func draw(into screen: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        screen.box(rect, title: "AdaLoRA ranks · [ ] scrub · r training", focused: state.focus == .training)
        let inner = rect.inner
        guard let history = state.rankHistory(for: controller), !history.allocations.isEmpty else {
            let lines = ["no rank allocations yet: they come from AdaLoRA runs",
                         "(`method adalora`, then train), or `ranks RUN_DIR` for a finished run"]
            for (offset, line) in lines.enumerated() { screen.put(line, x: inner.x, y: inner.y + offset, role: .dim, limit: inner.width) }
            return
        }
        let grid = RankGrid(history)
        let index = min(state.rankIndex ?? history.allocations.count - 1, history.allocations.count - 1)
        let allocation = history.allocations[index]
        screen.put("step \(allocation.step) (\(index + 1)/\(history.allocations.count))  budget \(allocation.budget)  total rank \(allocation.totalRank)  max \(grid.maximumRank)",
                   x: inner.x, y: inner.y, role: .accent, limit: inner.width)
        let column = max(5, min(12, (grid.labels.map(\.count).max() ?? 4) + 1))
        let mapHeight = min(grid.layers.count + 1, max(2, inner.height / 2))
        for (offset, label) in grid.labels.enumerated() {
            screen.put(label, x: inner.x + 6 + offset * column, y: inner.y + 1, role: .dim, limit: column - 1)
        }
        for (row, layer) in grid.layers.prefix(mapHeight - 1).enumerated() {
            let y = inner.y + 2 + row
            screen.put(layer.map { "L\($0)" } ?? "-", x: inner.x, y: y, role: .dim, limit: 5)
            for (offset, kind) in grid.kinds.enumerated() {
                let rank = grid.rank(layer: layer, kind: kind, at: index) ?? 0
                let level = RanksPane.level(rank: rank, maximum: grid.maximumRank)
                let x = inner.x + 6 + offset * column
                let text = String(repeating: shades[level], count: column - 4) + String(rank).leftPadded(to: 3)
                screen.put(text, x: x, y: y, role: level * 2 >= shades.count ? .heatHigh : .heatLow, limit: min(column - 1, inner.x + inner.width - x))
            }
        }
        let curveTop = inner.y + 2 + mapHeight
        let curve = Rect(x: inner.x, y: curveTop, width: inner.width, height: inner.maxY - curveTop)
        let steps = history.allocations.map { Double($0.step) }
        LinePlot(series: [LinePlot.Series(points: history.allocations.map { (x: Double($0.step), y: Double($0.budget)) }, role: .budget)],
                 xRange: (steps.first ?? 0) ... max(steps.last ?? 1, (steps.first ?? 0) + 1), marker: Double(allocation.step))
            .draw(into: &screen, rect: curve)
    }
}
