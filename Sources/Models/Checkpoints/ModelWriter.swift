import Foundation

/// Writes a model as transformers' `save_pretrained` does: `model.safetensors` with every parameter
/// under its full name (a tied weight once, under its first name), and the configuration and
/// tokenizer files copied from the folder the model came from. The weights are written to a
/// temporary file and renamed, so a crash never leaves a half-written checkpoint.
public enum ModelWriter {
    /// The files besides the weights that make a model folder complete.
    public static let companionFiles = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                         "chat_template.jinja"]

    public static func save(_ model: any PretrainedModel, companionsFrom source: URL, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var tensors: [String: SafeTensorsValue] = [:]
        for (name, parameter) in model.namedParameters() {
            tensors[name] = .float32(try parameter.value())
        }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        guard source.standardizedFileURL != directory.standardizedFileURL else { return }
        for file in companionFiles {
            let from = source.appendingPathComponent(file), to = directory.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: from.path) else { continue }
            try? FileManager.default.removeItem(at: to)
            try FileManager.default.copyItem(at: from, to: to)
        }
    }
}
