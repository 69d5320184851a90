import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit intruders`: PEFT's `reduce_intruder_dimension` on a saved LoRA adapter, written as a
/// new adapter folder, with the intruder dimensions found per module.
struct Intruders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reduce a LoRA adapter's intruder dimensions (PEFT's reduce_intruder_dimension); write the new adapter.")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "The LoRA adapter folder to reduce.")
    var adapter: String

    @Option(help: "Where to write the reduced adapter.")
    var out: String

    @Option(help: "How many of the merged weight's top singular directions to test.")
    var topK = 10

    @Option(help: "A direction whose largest |cosine| with the base's is below this is an intruder.")
    var epsilon: Float = 0.5

    @Option(name: .customLong("lambda"), help: "The fraction of each intruder direction that is kept (0 removes it).")
    var mitigationLambda: Float = 0.75

    func run() throws {
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 or more") }
        guard epsilon.isFinite, mitigationLambda.isFinite else { throw ValidationError("--epsilon and --lambda must be numbers") }
        let (loaded, _) = try ModelReference(model).load()
        let peft = try PeftModel.loading(loaded, adapters: [AdapterReference(adapter)])
        for warning in peft.warnings { print("note: \(warning)") }
        let name = "intruder_reduced"
        let report = try peft.reduceIntruderDimension(oldAdapter: AdapterFiles.defaultAdapterName, newAdapter: name, topK: topK,
                                                      thresholdEpsilon: epsilon, mitigationLambda: mitigationLambda)
        for line in report.log { print(line) }
        let width = report.modules.map(\.name.count).max() ?? 0
        for module in report.modules {
            let found = module.intruders.map { "\($0) (cos \(String(format: "%.3f", module.cosines[$0])))" }
            print(module.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (found.isEmpty ? "none" : found.joined(separator: ", ")))
        }
        try peft.saveAdapter(name, to: URL(fileURLWithPath: out))
        print("wrote the reduced adapter to \(out)")
    }
}
