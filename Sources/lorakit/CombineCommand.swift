import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit combine`: PEFT's `add_weighted_adapter` over saved LoRA adapters, written as a PEFT
/// adapter folder, with each module's rank and its distance from the weighted sum of the inputs.
struct Combine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine LoRA adapters into one (PEFT's add_weighted_adapter); write it as a PEFT adapter folder.")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "An adapter folder to combine, DIR or NAME=DIR; repeat for each.")
    var adapter: [String] = []

    @Option(help: "One weight per adapter, in order: W,W,... (negative weights subtract).")
    var weights: String

    @Option(help: "svd, linear, cat, ties, ties_svd, dare_linear, dare_ties, dare_linear_svd, dare_ties_svd, magnitude_prune or magnitude_prune_svd.")
    var type = CombinationType.svd.rawValue

    @Option(help: "The fraction of entries pruning keeps (ties, dare_*, magnitude_prune*).")
    var density: Double?

    @Option(help: "The rank of an SVD type's result (default: the largest input rank).")
    var svdRank: Int?

    @Option(help: "Clamp the SVD factors to ± this quantile of their values (0 to 1).")
    var svdClamp: Double?

    @Option(help: "How TIES elects signs: total or frequency.")
    var majoritySign = MajoritySignMethod.total.rawValue

    @Option(help: "Seed of DARE's random masks.")
    var seed: UInt64 = 0

    @Option(help: "Where to write the combined adapter (adapter_config.json, adapter_model.safetensors).")
    var out: String

    func run() throws {
        guard !adapter.isEmpty else { throw ValidationError("give the adapters to combine with --adapter DIR (or NAME=DIR), once each") }
        let parsedWeights = try weights.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let weight = Double(text.trimmingCharacters(in: .whitespaces)), weight.isFinite else {
                throw ValidationError("--weights: \"\(text)\" is not a number; give one per adapter, e.g. --weights 0.7,0.3")
            }
            return weight
        }
        guard parsedWeights.count == adapter.count else {
            throw ValidationError("--weights has \(parsedWeights.count) value(s) for \(adapter.count) adapter(s); give one weight per --adapter")
        }
        guard let method = MajoritySignMethod(rawValue: majoritySign) else {
            throw ValidationError("--majority-sign must be total or frequency, not \(majoritySign)")
        }
        let options = WeightedAdapterOptions(combinationType: try CombinationType(named: type), svdRank: svdRank, svdClamp: svdClamp,
                                             density: density, majoritySignMethod: method, seed: seed)
        let (loaded, _) = try ModelReference(model).load()
        let peft = try PeftModel.loading(loaded, adapters: adapter.map(AdapterReference.init))
        for warning in peft.warnings { print("note: \(warning)") }
        let sources = peft.adapterNames
        let name = Self.freshName(among: sources)
        let report = try peft.addWeightedAdapter(sources, weights: parsedWeights, adapterName: name, options: options)
        print(Self.describe(report, sources: sources, weights: parsedWeights))
        try peft.saveAdapter(name, to: URL(fileURLWithPath: out))
        print("wrote the \(report.combinationType.rawValue) combination (r=\(report.rank)) to \(out)")
    }

    /// `combined`, or `combined-2`... when an input already has that name.
    static func freshName(among names: [String]) -> String {
        var name = "combined", n = 1
        while names.contains(name) { n += 1; name = "combined-\(n)" }
        return name
    }

    /// The recipe line and one line per module: its rank and relative Frobenius error.
    static func describe(_ report: WeightedAdapterReport, sources: [String], weights: [Double]) -> String {
        let recipe = zip(sources, weights).map { "\($0):\(String(format: "%g", $1))" }.joined(separator: " ")
        let width = report.modules.map(\.name.count).max() ?? 0
        let lines = report.modules.map { module in
            module.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  rank \(module.rank)  relative error \(String(format: "%.3e", module.relativeError))"
        }
        return (["\(report.combinationType.rawValue) of \(recipe): r=\(report.rank), \(report.modules.count) modules"] + lines).joined(separator: "\n")
    }
}
