import Foundation
import Tuners

/// The rank history of an AdaLoRA run, read back from its `metrics.jsonl` (finished or still
/// running): every masking step's allocation, and how far the run has got.
public struct RankHistory: Equatable {
    /// The `event` value of an allocation line.
    static let eventName = "ranks"

    /// The allocations in step order.
    public var allocations: [RankAllocation]
    /// The last step any event reported, and the run's total steps if a step event gave them.
    public var lastStep: Int?
    public var totalSteps: Int?
    /// Whether the run reported its end.
    public var finished: Bool

    /// Reads `RUN_DIR/metrics.jsonl`; a line cut short by a running writer is skipped.
    public init(runDirectory: URL) throws {
        let url = runDirectory.appendingPathComponent("metrics.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw DataError("\(url.path) cannot be read; give the output_dir of a training run (it holds metrics.jsonl)")
        }
        try self.init(metricsText: text, source: url.path)
    }

    /// Reads the lines of a metrics file.
    public init(metricsText: String, source: String) throws {
        allocations = []
        finished = false
        for line in metricsText.split(separator: "\n") {
            let data = Data(line.utf8)
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let event = object["event"] as? String else { continue }
            if let step = object["step"] as? Int { lastStep = max(lastStep ?? step, step) }
            if let total = object["total_steps"] as? Int { totalSteps = total }
            switch event {
            case Self.eventName: allocations.append(try JSONDecoder().decode(RankAllocation.self, from: data))
            case "finished": finished = true
            default: break
            }
        }
        guard !allocations.isEmpty else {
            throw DataError("\(source) has no rank allocations yet; they are written by AdaLoRA runs at each masking step (after tinit steps)")
        }
    }

    /// The latest allocation.
    public var final: RankAllocation { allocations[allocations.count - 1] }
}
