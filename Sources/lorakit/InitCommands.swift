import ArgumentParser
import Foundation
import Models
import Tuners

/// `lorakit init`: a fresh adapter from a config, with the base change its init makes written out.
struct InitAdapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Initialise an adapter (PiSSA, OLoRA, ...) and write DIR/adapter, and DIR/base when the init changed the base.")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "The adapter_config.json to initialise.")
    var config: String

    @Option(help: "Where to write adapter/ (and base/); must not exist yet.")
    var out: String

    @Option(help: "Calibration data (for EVA, CorDA and LoRA-GA, which lorakit does not have yet).")
    var data: String?

    @Option(help: "Seed of the random parts of the init.")
    var seed: UInt64 = 0

    func run() throws {
        if let data { throw ValidationError("--data \(data): calibration is only used by init_lora_weights eva, corda and lora_ga, which lorakit does not have yet; leave --data out") }
        let reference = try ModelReference(model)
        let (loaded, _) = try reference.load()
        let adapterConfig = try PeftConfigs.read(contentsOf: URL(fileURLWithPath: config))
        let peft = try PeftModel(model: loaded, config: adapterConfig, seed: seed)
        for warning in peft.warnings { print("note: \(warning)") }
        let changed = try peft.writeInitialized(to: URL(fileURLWithPath: out), baseFilesFrom: reference.directory)
        print("wrote \(out)/adapter" + (changed ? " (init_lora_weights: true) and \(out)/base (the residual base it applies to)" : ""))
    }
}

/// `lorakit convert`: a PiSSA/OLoRA-trained adapter as a plain rank-2r LoRA for the original base.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an adapter trained from a PiSSA/OLoRA start into a plain LoRA (rank 2r) for the original base.")

    @Option(help: "The initial adapter folder (as lorakit init wrote it).")
    var initial: String

    @Option(help: "The trained adapter folder.")
    var trained: String

    @Option(help: "Where to write the converted adapter; must not exist yet.")
    var out: String

    func run() throws {
        try InitialAdapterConversion.convert(initial: URL(fileURLWithPath: initial), trained: URL(fileURLWithPath: trained), out: URL(fileURLWithPath: out))
        print("wrote \(out): a rank-2r LoRA for the original base")
    }
}
