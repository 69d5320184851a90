import FileAccess
import Foundation
import Models
import Tensors

/// PEFT's `save_pretrained(path_initial_model_for_weight_conversion=INIT)`: turns an adapter
/// trained from a PiSSA/OLoRA start (on the residual base) into a plain LoRA of rank 2r for the
/// original base. Per module `A' = cat[A, A0]` by rows and `B' = cat[B, −B0]` by columns; the config
/// gets `r` and `lora_alpha` doubled (`lora_alpha · √2` with rsLoRA), every `rank_pattern` /
/// `alpha_pattern` value doubled and `init_lora_weights: true`, so the scaling is unchanged and
/// `W + scaling (B A − B0 A0) = W_residual + scaling B A`. Only the LoRA tensors are kept, as PEFT does.
public enum InitialAdapterConversion {
    /// Reads both adapter folders and writes the converted adapter to `out` (staged, then moved).
    public static func convert(initial: URL, trained: URL, out: URL) throws {
        let trainedConfig = try LoraConfig(contentsOf: trained.appendingPathComponent(AdapterFiles.configFileName))
        let converted = try convertedConfig(trainedConfig)
        let a0 = try weights(in: initial), a = try weights(in: trained)
        var tensors: [String: Tensor] = [:]
        for name in a.names where name.contains("lora_A") || name.contains("lora_B") {
            guard a0.info(named: name) != nil else {
                throw TunerError.adapterMismatch(path: initial.path, reason: "it has no \(name), which the trained adapter has; give the initial adapter saved from the same init")
            }
            let (now, start) = (try a.tensor(named: name), try a0.tensor(named: name))
            let isA = name.contains("lora_A")
            guard now.rank == 2, start.rank == 2, now.shape[isA ? 1 : 0] == start.shape[isA ? 1 : 0] else {
                throw TunerError.adapterMismatch(path: initial.path, reason: "\(name) is \(start.shape) there but \(now.shape) in the trained adapter")
            }
            tensors[name] = isA ? try Tensor.concat([now, start], axis: 0) : try Tensor.concat([now, -start], axis: 1)
        }
        guard !tensors.isEmpty else {
            throw TunerError.adapterMismatch(path: trained.path, reason: "it holds no lora_A / lora_B tensors to convert")
        }
        if FileManager.default.fileExists(atPath: out.path) {
            throw TunerError.invalidConfig(path: out.path, reason: "already exists; give --out a folder that does not exist yet")
        }
        let staging = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: staging.appendingPathComponent(AdapterFiles.weightsFileName))
            try converted.write(to: staging)
            try FileManager.default.moveItem(at: staging, to: out)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// The config of the rank-2r adapter.
    static func convertedConfig(_ config: LoraConfig) throws -> LoraConfig {
        if config.useRslora, !config.rankPattern.isEmpty || !config.alphaPattern.isEmpty {
            throw TunerError.invalidValue(field: "use_rslora", reason: "Passing `path_initial_model_for_weight_conversion` to `save_pretrained` is not supported when using `rank_pattern` or `alpha_pattern` at the same time as `use_rslora=True`.")
        }
        var converted = config
        converted.r = config.r * 2
        converted.loraAlpha = config.useRslora ? config.loraAlpha * 2.0.squareRoot() : config.loraAlpha * 2
        converted.rankPattern = config.rankPattern.map { ($0.key, $0.value * 2) }
        converted.alphaPattern = config.alphaPattern.map { ($0.key, $0.value * 2) }
        converted.initLoraWeights = .kaimingUniform
        converted.inferenceMode = true
        return converted
    }

    private static func weights(in directory: URL) throws -> SafeTensorsFile {
        let url = directory.appendingPathComponent(AdapterFiles.weightsFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TunerError.invalidConfig(path: directory.path, reason: "no \(AdapterFiles.weightsFileName) here; give an adapter folder as PEFT's save_pretrained writes it")
        }
        return try SafeTensorsFile(contentsOf: url)
    }
}
