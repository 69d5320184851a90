import FileAccess
import Foundation
import Models

/// Writes a model (typically after `merge_and_unload`) as a transformers checkpoint: the source
/// `config.json`, `generation_config.json` and tokenizer files, and every parameter in
/// `model.safetensors` under its transformers name, tied weights once, as `save_pretrained` of the
/// model and its tokenizer do.
public enum MergedModelWriter {
    /// The files copied from the source folder when it has them: the configs and what
    /// `tokenizer.save_pretrained` writes (fast and slow tokenizers, chat template).
    static let copiedFiles = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "merges.txt", "vocab.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
    ]

    /// Writes the checkpoint; returns the names of the files written.
    @discardableResult
    public static func write(_ model: any PretrainedModel, configFrom source: URL, to directory: URL) throws -> [String] {
        var written: [String] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in copiedFiles {
                let from = source.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: from.path) else { continue }
                try Data(contentsOf: from).write(to: directory.appendingPathComponent(name), options: .atomic)
                written.append(name)
            }
        } catch {
            throw TunerError.invalidConfig(path: directory.path, reason: "cannot write the model's config and tokenizer files there: \(FileProblem.writing(directory.appendingPathComponent("config.json"), error: error))")
        }
        if model.namedModules().contains(where: { $0.module is any AdapterLayer || $0.module is ModulesToSaveWrapper }) {
            throw TunerError.invalidState("the model still holds adapter layers; merge and unload the adapters before writing it")
        }
        let tensors = try Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, try $0.parameter.value()) })
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(SafeTensorsCheckpoint.singleFileName))
        return written + [SafeTensorsCheckpoint.singleFileName]
    }
}
