import Training
import Tuners

/// A rank history laid out for the heat map: layers as rows, module kinds within a layer
/// (`self_attn.q_proj`) as columns, placed as `lorakit ranks` places them.
struct RankGrid {
    let history: RankHistory
    /// Layer indices in order (nil for modules outside the numbered layers).
    let layers: [Int?]
    /// Module kinds in first-seen order, and their column labels.
    let kinds: [String]
    let labels: [String]
    /// The largest rank of any module at any step.
    let maximumRank: Int

    init(_ history: RankHistory) {
        self.history = history
        var layers: [Int?] = [], kinds: [String] = []
        for module in history.allocations.flatMap(\.modules) {
            let position = RankReport.modulePosition(module.name)
            if !layers.contains(position.layer) { layers.append(position.layer) }
            if !kinds.contains(position.kind) { kinds.append(position.kind) }
        }
        self.layers = layers.sorted { ($0 ?? .max) < ($1 ?? .max) }
        self.kinds = kinds
        labels = RankReport.shortLabels(kinds)
        maximumRank = history.allocations.flatMap { $0.modules.map(\.rank) }.max() ?? 0
    }

    /// The rank of `kind` in `layer` after allocation `index`.
    func rank(layer: Int?, kind: String, at index: Int) -> Int? {
        history.allocations[index].modules.first {
            let position = RankReport.modulePosition($0.name)
            return position.layer == layer && position.kind == kind
        }?.rank
    }
}
