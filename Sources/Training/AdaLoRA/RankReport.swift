import Tuners

/// `lorakit ranks` as text: a run's final (or latest) allocation as a layer × module table of ranks,
/// and its budget curve as horizontal bars, one per masking step (evenly sampled when there are many).
public enum RankReport {
    /// The whole report for `history`.
    public static func text(_ history: RankHistory, curveRows: Int = 20, barWidth: Int = 40) -> String {
        let final = history.final
        var status = history.finished ? "finished" : "running"
        if let step = history.lastStep { status += " at step \(step)" + (history.totalSteps.map { " of \($0)" } ?? "") }
        let initial = final.modules.reduce(0) { $0 + $1.scores.count }
        return """
            AdaLoRA run \(status); \(history.finished ? "final" : "latest") allocation at step \(final.step): budget \(final.budget) of \(initial) ranks, total rank \(final.totalRank)

            \(table(final))

            budget by step
            \(budgetCurve(history.allocations, rows: curveRows, barWidth: barWidth))
            """
    }

    /// Ranks by layer (rows) and module (columns), with totals.
    public static func table(_ allocation: RankAllocation) -> String {
        let placed = allocation.modules.map { (position: modulePosition($0.name), rank: $0.rank) }
        let layers = Array(Set(placed.map(\.position.layer))).sorted { ($0 ?? .max) < ($1 ?? .max) }
        var kinds: [String] = []
        for entry in placed where !kinds.contains(entry.position.kind) { kinds.append(entry.position.kind) }
        let labels = shortLabels(kinds)
        func rank(_ layer: Int?, _ kind: String) -> Int? {
            placed.first { $0.position.layer == layer && $0.position.kind == kind }?.rank
        }
        var rows: [[String]] = [["layer"] + labels + ["total"]]
        for layer in layers {
            let ranks = kinds.map { rank(layer, $0) }
            rows.append([layer.map(String.init) ?? "-"] + ranks.map { $0.map(String.init) ?? "·" } + [String(ranks.compactMap { $0 }.reduce(0, +))])
        }
        let columnTotals = kinds.map { kind in placed.filter { $0.position.kind == kind }.reduce(0) { $0 + $1.rank } }
        rows.append(["total"] + columnTotals.map(String.init) + [String(allocation.totalRank)])
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// One bar per masking step, `rows` of them at most (the first and last always shown).
    public static func budgetCurve(_ allocations: [RankAllocation], rows: Int = 20, barWidth: Int = 40) -> String {
        let shown = rows >= allocations.count || rows < 2
            ? allocations
            : (0 ..< rows).map { allocations[$0 * (allocations.count - 1) / (rows - 1)] }
        let largest = max(shown.map(\.budget).max() ?? 1, 1)
        let stepWidth = shown.map { String($0.step).count }.max() ?? 1, budgetWidth = String(largest).count
        return shown.map { allocation in
            let step = String(allocation.step), budget = String(allocation.budget)
            let bar = String(repeating: "█", count: Int((Double(allocation.budget) / Double(largest) * Double(barWidth)).rounded()))
            return "step " + String(repeating: " ", count: stepWidth - step.count) + step
                + "  " + String(repeating: " ", count: budgetWidth - budget.count) + budget + " " + bar
        }.joined(separator: "\n")
    }

    /// The layer index of a module (the first number in its path) and what it is within the layer
    /// (the rest of the path after that number; the whole path when there is none).
    public static func modulePosition(_ name: String) -> (layer: Int?, kind: String) {
        let parts = name.split(separator: ".").map(String.init)
        guard let index = parts.firstIndex(where: { Int($0) != nil }), index + 1 < parts.count else { return (nil, name) }
        return (Int(parts[index]), parts[(index + 1)...].joined(separator: "."))
    }

    /// Column labels: each kind's last path component when those are all different, else the kind.
    public static func shortLabels(_ kinds: [String]) -> [String] {
        let last = kinds.map { String($0.split(separator: ".").last ?? Substring($0)) }
        return Set(last).count == last.count ? last : kinds
    }
}
