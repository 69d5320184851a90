import ArgumentParser
import Foundation
import Models
import Training
import Tuners

/// `lorakit init`: a fresh adapter from a config, with the base change its init makes written out.
/// EVA, CorDA and LoRA-GA calibrate on `--data` first (Ctrl-C stops the pass; nothing is written).
struct InitAdapter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Initialise an adapter (PiSSA, OLoRA, EVA, CorDA, ...) and write DIR/adapter, and DIR/base when the init changed the base.")

    @Option(help: "The base model: a directory with config.json and model.safetensors, or builtin:NAME.")
    var model: String

    @Option(help: "The adapter_config.json to initialise.")
    var config: String

    @Option(help: "Where to write adapter/ (and base/); must not exist yet.")
    var out: String

    @Option(help: "Calibration data for the data-driven inits (any dataset `lorakit train` reads; a [batches, batch, length] safetensors file gives its own batches).")
    var data: String?

    @Option(name: .customLong("batch-size"), help: "Rows per calibration batch, in file order (default: the file's own batches, else 1).")
    var batchSize: Int?

    @Option(name: .customLong("max-batches"), help: "Keep only the first N calibration batches.")
    var maxBatches: Int?

    @Option(name: .customLong("seq-len"), help: "Tokens per row when the calibration data is text.")
    var seqLen: Int = 128

    @Option(help: "Seed of the random parts of the init.")
    var seed: UInt64 = 0

    func run() throws {
        let reference = try ModelReference(model)
        let adapterConfig = try PeftConfigs.read(contentsOf: URL(fileURLWithPath: config))
        let method = (adapterConfig as? LoraConfig)?.initLoraWeights
        let calibrated = method?.needsCalibration ?? false
        if let data, !calibrated {
            throw ValidationError("--data \(data): calibration is only used by init_lora_weights eva, corda and lora_ga, and this config's is \(method?.configText ?? "not a LoRA init"); leave --data out")
        }
        let batches = try data.map { spec in
            let tokenizer = TokenizerSource(named: nil, modelDirectory: reference.directory, howToGiveOne: "give token ids (a safetensors file) as --data")
            return try CalibrationData(spec, tokenizer: { try tokenizer.load(for: "calibrating on \(spec)") }, seqLen: seqLen,
                                       batchSize: batchSize, maxBatches: maxBatches).batches
        }
        let (loaded, _) = try reference.load()
        let stop = StopRequest()
        if calibrated { stop.raiseOnInterrupt { FileHandle.standardError.write(Data("\nstopping the calibration (Ctrl-C again to quit now)\n".utf8)) } }
        let progress = CalibrationProgressLine()
        let calibration = batches.map { Calibration(batches: $0, report: progress.show, shouldStop: { stop.isRaised }) }
        let start = DispatchTime.now().uptimeNanoseconds
        let peft = try progress.around { try PeftModel.initialized(model: loaded, config: adapterConfig, calibration: calibration, seed: seed) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The init alone (not the model load or the files), as scripts/bench-init-peft.py times PEFT's.
        print("\(method?.name ?? adapterConfig.base.peftType.rawValue) init \(String(format: "%.2f", seconds)) s")
        for warning in peft.warnings { print("note: \(warning)") }
        let changed = try peft.writeInitialized(to: URL(fileURLWithPath: out), baseFilesFrom: reference.directory)
        print("wrote \(out)/adapter" + (changed ? " (init_lora_weights: true) and \(out)/base (the residual base it applies to)" : ""))
    }
}

/// `lorakit convert`: a PiSSA/OLoRA/CorDA/LoRA-GA-trained adapter as a plain rank-2r LoRA for the original base.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an adapter trained from a PiSSA/OLoRA/CorDA/LoRA-GA start into a plain LoRA (rank 2r) for the original base.")

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
