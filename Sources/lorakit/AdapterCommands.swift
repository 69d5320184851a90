import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit merge`: folds a saved adapter into its base model and writes a transformers checkpoint.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a PEFT adapter into its base model; write config.json and model.safetensors.",
        discussion: "Ctrl-C stops the write, removes the unfinished file and leaves what --out held (exit status 130).")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "The adapter folder (adapter_config.json and adapter_model.safetensors).")
    var adapter: String

    @Option(help: "Where to write the merged model.")
    var out: String

    @Flag(help: "Check the merged weights for NaN/Inf before writing them (PEFT's safe_merge).")
    var safeMerge = false

    @Option(help: "Hold the base as float32, bfloat16, float16 or nf4 while merging (the base an adapter trained with base_dtype was trained on); it is dequantised and the update added in float32.")
    var baseDtype = "float32"

    @Option(help: "Write the merged weights as float32, bfloat16 or float16 (default: the checkpoint's own float type).")
    var dtype: String?

    func run() throws {
        let reference = try ModelReference(model)
        let storage = try BaseStorage(parsing: baseDtype)
        let written = try dtype.map(ExportDType.init(parsing:)) ?? ExportDType.ofCheckpoint(in: reference.directory)
        let (loaded, _) = try reference.load(storage: storage)
        let peft = try PeftModel.loading(loaded, adapters: [AdapterReference(adapter)])
        for warning in peft.warnings { print("note: \(warning)") }
        let files: [String]
        do {
            files = try WriteInterruption.catching {
                try peft.writeMerged(to: URL(fileURLWithPath: out), configFrom: reference.directory, dtype: written, safeMerge: safeMerge)
            }
        } catch let interrupted as WriteInterrupted {
            FileHandle.standardError.write(Data("merge \(interrupted) (\(out))\n".utf8))
            throw ExitCode(128 + interrupted.signal)
        }
        print("merged \(adapter) into \(model)\(storage.dtype == .float32 ? "" : " (base held as \(storage))"); wrote \(files.joined(separator: ", ")) to \(out) as \(written.rawValue)")
    }
}
