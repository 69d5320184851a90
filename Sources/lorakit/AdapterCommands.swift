import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit merge`: folds a saved adapter into its base model and writes a transformers checkpoint.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a PEFT adapter into its base model; write config.json and model.safetensors.")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "The adapter folder (adapter_config.json and adapter_model.safetensors).")
    var adapter: String

    @Option(help: "Where to write the merged model.")
    var out: String

    @Flag(help: "Check the merged weights for NaN/Inf before writing them (PEFT's safe_merge).")
    var safeMerge = false

    func run() throws {
        let reference = try ModelReference(model)
        let (loaded, _) = try reference.load()
        let peft = try PeftModel.loading(loaded, adapters: [AdapterReference(adapter)])
        for warning in peft.warnings { print("note: \(warning)") }
        let merged = try peft.mergeAndUnload(safeMerge: safeMerge)
        let written = try MergedModelWriter.write(merged, configFrom: reference.directory, to: URL(fileURLWithPath: out))
        print("merged \(adapter) into \(model); wrote \(written.joined(separator: ", ")) to \(out)")
    }
}
