import Foundation

/// AdaLoRA's rank allocations over a run, read from the `"event":"ranks"` lines of its
/// `metrics.jsonl` (`{"event":"ranks","step":N,"budget":B,"ranks":{"module name":r,...}}`), so a
/// finished run and a running one are read the same way. Modules are arranged as layer × module
/// (`model.layers.3.self_attn.q_proj` is layer 3, module `self_attn.q_proj`) for the heat map.
public struct RankHistory: Equatable, Sendable {
    /// The ranks of every module after one allocation.
    public struct Allocation: Equatable, Sendable {
        public var step: Int
        /// The total rank budget at this step (the sum of the ranks when the line gives none).
        public var budget: Int
        public var ranks: [String: Int]
    }

    public private(set) var allocations: [Allocation] = []

    public init(allocations: [Allocation] = []) {
        self.allocations = allocations.sorted { $0.step < $1.step }
    }

    /// Reads the rank lines of a `metrics.jsonl`; other lines are skipped. A missing file is an error.
    public init(metricsFile url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CommandError("ranks", "cannot read \(url.path); give a run folder that holds metrics.jsonl")
        }
        var allocations: [Allocation] = []
        for line in text.split(separator: "\n") where line.contains("\"ranks\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["event"] as? String == "ranks", let step = object["step"] as? Int,
                  let ranks = object["ranks"] as? [String: Int] else { continue }
            allocations.append(Allocation(step: step, budget: (object["budget"] as? Int) ?? ranks.values.reduce(0, +), ranks: ranks))
        }
        self.init(allocations: allocations)
    }

    /// The layer index in a module name and the rest after it, or nil for a module outside the layers.
    static func split(_ name: String) -> (layer: Int, module: String)? {
        let parts = name.split(separator: ".").map(String.init)
        guard let index = parts.firstIndex(where: { Int($0) != nil }), index + 1 < parts.count else { return nil }
        return (Int(parts[index])!, parts[(index + 1)...].joined(separator: "."))
    }

    /// Layer indices, ascending.
    public var layers: [Int] {
        Array(Set(allocations.flatMap { $0.ranks.keys.compactMap { Self.split($0)?.layer } })).sorted()
    }

    /// Module names within a layer, in first-seen order.
    public var modules: [String] {
        var seen: [String] = []
        for name in allocations.first?.ranks.keys.sorted() ?? [] {
            if let module = Self.split(name)?.module, !seen.contains(module) { seen.append(module) }
        }
        return seen
    }

    /// The rank of `module` in `layer` after allocation `index`.
    public func rank(layer: Int, module: String, at index: Int) -> Int? {
        allocations[index].ranks.first { Self.split($0.key).map { $0.layer == layer && $0.module == module } ?? false }?.value
    }

    /// The largest rank anywhere (the heat map's top colour).
    public var maximumRank: Int { allocations.flatMap(\.ranks.values).max() ?? 0 }

    /// The allocation at `index` as a table: one row per layer, one column per module.
    public func table(at index: Int) -> String {
        let modules = self.modules
        let width = max(6, (modules.map(\.count).max() ?? 0) + 1)
        var lines = ["step \(allocations[index].step)  budget \(allocations[index].budget)"]
        lines.append("layer" + modules.map { $0.leftPadded(to: width) }.joined())
        for layer in layers {
            let cells = modules.map { (rank(layer: layer, module: $0, at: index).map(String.init) ?? "-").leftPadded(to: width) }
            lines.append(String(layer).rightPadded(to: 5) + cells.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string with spaces before it up to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }

    /// The string with spaces after it up to `width` characters.
    func rightPadded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
