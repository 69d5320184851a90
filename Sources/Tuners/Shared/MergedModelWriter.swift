import Foundation
import Models

/// Writes a model (typically after `merge_and_unload`) as a transformers checkpoint: the source
/// `config.json` (and `generation_config.json`) and every parameter in `model.safetensors` under its
/// transformers name, tied weights once, as `save_pretrained` does.
public enum MergedModelWriter {
    public static func write(_ model: any PretrainedModel, configFrom source: URL, to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in ["config.json", "generation_config.json"] {
                let from = source.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: from.path) else { continue }
                try Data(contentsOf: from).write(to: directory.appendingPathComponent(name), options: .atomic)
            }
        } catch {
            throw TunerError.invalidConfig(path: directory.path, reason: "cannot write the model's config there (\(error.localizedDescription))")
        }
        if model.namedModules().contains(where: { $0.module is any AdapterLayer || $0.module is ModulesToSaveWrapper }) {
            throw TunerError.invalidState("the model still holds adapter layers; merge and unload the adapters before writing it")
        }
        let tensors = try Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, try $0.parameter.value()) })
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(SafeTensorsCheckpoint.singleFileName))
    }
}
