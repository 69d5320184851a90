import Foundation
import Models
import Tensors
import Tuners

/// `lorakit bench combine`: the time of PEFT's `add_weighted_adapter` over two random LoRA adapters
/// of one rank on a random-init model, the side-by-side check against `scripts/bench-combine-peft.py`.
public struct CombineBenchmark {
    public var model: BenchmarkModel
    public var combinationType: CombinationType
    public var repeats: Int

    public init(model: BenchmarkModel, combinationType: CombinationType = .svd, repeats: Int = 3) {
        self.model = model
        self.combinationType = combinationType
        self.repeats = repeats
    }

    /// Milliseconds of one `add_weighted_adapter` call (after an untimed warm-up), and the modules it combined.
    public struct Result: Sendable {
        public var bestMs, medianMs: Double
        public var modules: Int
    }

    public func run() throws -> Result {
        let peft = try PeftModel(model: model.build(), config: model.adapterConfig(), adapterName: "first", seed: 7)
        try peft.addAdapter("second", config: model.adapterConfig())
        var generator = RandomGenerator(seed: 3)
        for adapter in ["first", "second"] {  // trained-looking adapters, not B = 0
            for (_, layer) in peft.adapterLayers {
                for (name, parameter) in layer.adapterParameters(of: adapter) {
                    try parameter.assign(Tensor.normal(parameter.shape, std: 0.02, generator: &generator), name: name)
                }
            }
        }
        let options = WeightedAdapterOptions(combinationType: combinationType, density: combinationType.usesDensity ? 0.5 : nil)
        var modules = 0
        func combine() throws {
            modules = try peft.addWeightedAdapter(["first", "second"], weights: [0.7, 0.3], adapterName: "combined", options: options).modules.count
            try peft.deleteAdapter("combined")
        }
        try combine()
        var times: [Double] = []
        for _ in 0 ..< max(1, repeats) { times.append(try Timing.once(combine) * 1e3) }
        times.sort()
        return Result(bestMs: times[0], medianMs: times[times.count / 2], modules: modules)
    }

    public static func format(_ r: Result, _ b: CombineBenchmark) -> String {
        let m = b.model
        var table = TextTable(header: ["\(m.architecture.rawValue) \(m.layers)×\(m.width), 2 LoRA r=\(m.rank) on \(r.modules) modules (\(m.allLinear ? "all-linear" : m.targets.joined(separator: ",")))", "ms"])
        table.rows = [["add_weighted_adapter \(b.combinationType.rawValue), best of \(max(1, b.repeats))", String(format: "%.1f", r.bestMs)],
                      ["add_weighted_adapter \(b.combinationType.rawValue), median", String(format: "%.1f", r.medianMs)]]
        return table.rendered
    }
}
