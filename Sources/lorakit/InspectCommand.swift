import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit inspect`: the adapter inspector headless. Per module: rank, alpha, scaling, parameters,
/// `‖ΔW‖`, the singular values and effective rank of `ΔW`; with the base model also `‖W‖` and the
/// intruder scan of `W + ΔW`; with `--before`, the same of what the adapter was made from.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a saved adapter changes, module by module: rank, scaling, parameters, norms, singular values, intruders.")

    @Argument(help: "The adapter folder (adapter_config.json, adapter_model.safetensors).")
    var adapter: String

    @Option(help: "The base model (a directory with config.json, or builtin:NAME): adds |W| and the intruder scan; needed for methods other than LoRA and for DoRA.")
    var model: String?

    @Option(help: "Only this module (its full name); repeat for several.")
    var module: [String] = []

    @Option(help: "An adapter folder the inspected one was made from (a combination's input, a reduction's original); repeat for each.")
    var before: [String] = []

    @Option(help: "One weight per --before adapter, W,W,... (default 1 each): the inspected adapter is compared with their weighted sum.")
    var beforeWeights: String?

    @Option(help: "How many singular vectors of W + dW the intruder scan checks.")
    var topK = 10

    @Option(help: "The |cosine| under which a singular vector of W + dW is an intruder.")
    var epsilon: Float = 0.5

    @Flag(help: "Print JSON instead of the tables.")
    var json = false

    func run() throws {
        let weights = try parsedWeights()
        let inspections: [ModuleInspection]
        let peftType: String
        if let model {
            let (loaded, _) = try ModelReference(model).load()
            func named(_ path: String, _ name: String) throws -> AdapterReference {
                var reference = try AdapterReference(path)
                reference.name = name
                return reference
            }
            let references = try [named(adapter, AdapterFiles.defaultAdapterName)] + before.enumerated().map { try named($0.element, "before_\($0.offset)") }
            let peft = try PeftModel.loading(loaded, adapters: references)
            for warning in peft.warnings where !json { print("note: \(warning)") }
            peftType = peft.configs[AdapterFiles.defaultAdapterName]?.peftType.rawValue ?? "?"
            inspections = try peft.inspect(AdapterFiles.defaultAdapterName, modules: module.isEmpty ? nil : module,
                                           before: zip(references.dropFirst().map { $0.name! }, weights).map { ($0, $1) }, topK: topK, epsilon: epsilon)
        } else {
            let file = try LoraAdapterFile(folder: AdapterReference(adapter).directory)
            let sources = try before.map { try LoraAdapterFile(folder: AdapterReference($0).directory) }
            if let unknown = module.first(where: { name in !file.modules.contains { $0.name == name } }) {
                throw ValidationError("--module \(unknown): the adapter is on \(file.modules.map(\.name).joined(separator: ", "))")
            }
            peftType = file.config.peftType.rawValue
            inspections = try file.modules.filter { module.isEmpty || module.contains($0.name) }.map { m in
                let parts = try zip(sources, weights).compactMap { source, weight in
                    try source.modules.first { $0.name == m.name }.map { try $0.delta.dense().scaled(by: Float(weight)) }
                }
                return try ModuleInspection(module: m.name, adapter: AdapterFiles.defaultAdapterName, delta: m.delta, base: nil,
                                            before: parts,
                                            rank: m.rank, alpha: m.alpha, scaling: m.scaling, parameterCount: m.parameterCount,
                                            topK: topK, epsilon: epsilon)
            }
        }
        let total = inspections.reduce(0) { $0 + $1.parameterCount }
        if json {
            var object: [String: Any] = ["adapter": adapter, "peft_type": peftType, "parameters": total,
                                         "modules": inspections.map(InspectionReport.jsonObject)]
            object["base_model"] = model
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(adapter): \(peftType), \(inspections.count) modules, \(ModuleTree.grouped(total)) parameters"
                + (model.map { ", base \($0)" } ?? " (no base model: --model adds |W| and the intruder scan)"))
            print(InspectionReport.table(inspections))
        }
    }

    /// `--before-weights` as numbers, one per `--before` folder (1 each when not given).
    private func parsedWeights() throws -> [Double] {
        guard let beforeWeights else { return before.map { _ in 1 } }
        guard !before.isEmpty else { throw ValidationError("--before-weights weighs the --before adapters; give them with --before DIR") }
        let weights = try beforeWeights.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let weight = Double(text.trimmingCharacters(in: .whitespaces)), weight.isFinite else {
                throw ValidationError("--before-weights: \"\(text)\" is not a number; give one per --before, e.g. 0.7,0.3")
            }
            return weight
        }
        guard weights.count == before.count else {
            throw ValidationError("--before-weights has \(weights.count) value(s) for \(before.count) --before adapter(s); give one each")
        }
        return weights
    }
}
