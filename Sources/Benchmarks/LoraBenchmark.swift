import Foundation
import Models
import Tensors
import Tuners

/// `lorakit bench lora`: forward time of one model with no adapter, with LoRA unmerged, and with
/// LoRA merged into the weights, in the same run, and the time of the merge itself.
public struct LoraBenchmark {
    public var model: BenchmarkModel
    public var batch: Int

    public init(model: BenchmarkModel, batch: Int) {
        self.model = model
        self.batch = batch
    }

    /// Milliseconds (best of five) for each configuration.
    public struct Result: Sendable {
        public var baseMs, unmergedMs, mergedMs, mergeMs, unmergeMs: Double
    }

    public func run() throws -> Result {
        let base = try model.build()
        let input = try ModelInput(ids: model.randomIds(batch: batch).flatMap { $0 }, batch: batch, length: model.sequence)
        func forward() throws { _ = try GradMode.withoutGradients { try base.forward(input) } }
        let baseMs = try Timing.best(of: 5, forward) * 1e3
        let peft = try PeftModel(model: base, config: model.adapterConfig(), seed: 7)
        for (_, parameter) in peft.trainableParameters {  // a trained-looking adapter, not B = 0
            var generator = RandomGenerator(seed: 3)
            try parameter.assign(Tensor.normal(parameter.shape, std: 0.02, generator: &generator), name: "adapter")
        }
        let unmergedMs = try Timing.best(of: 5, forward) * 1e3
        let mergeMs = try Timing.once { try peft.mergeAdapter() } * 1e3
        let mergedMs = try Timing.best(of: 5, forward) * 1e3
        let unmergeMs = try Timing.once { try peft.unmergeAdapter() } * 1e3
        return Result(baseMs: baseMs, unmergedMs: unmergedMs, mergedMs: mergedMs, mergeMs: mergeMs, unmergeMs: unmergeMs)
    }

    public static func format(_ r: Result, _ b: LoraBenchmark) -> String {
        let m = b.model
        var table = TextTable(header: ["\(m.architecture.rawValue) \(m.layers)×\(m.width), batch \(b.batch)×\(m.sequence), LoRA r=\(m.rank)", "ms"])
        table.rows = [("forward, no adapter", r.baseMs), ("forward, LoRA unmerged", r.unmergedMs), ("forward, LoRA merged", r.mergedMs),
                      ("merge_adapter", r.mergeMs), ("unmerge_adapter", r.unmergeMs)].map { [$0.0, String(format: "%.2f", $0.1)] }
        return table.rendered
    }
}
