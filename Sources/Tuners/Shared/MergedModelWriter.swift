import JSON
import FileAccess
import Foundation
import Models

/// Writes a model (typically after `merge_and_unload`) as a transformers checkpoint: the source
/// `config.json`, `generation_config.json` and tokenizer files, and every parameter in
/// `model.safetensors` under its transformers name, tied weights once, as `save_pretrained` of the
/// model and its tokenizer do. A model whose layers were replicated (`layer_replication`) is written
/// as the expanded stack, every layer under its own name, with `num_hidden_layers` (and
/// `layer_types`) of the expanded model, so that it loads as a plain model of that many layers
/// (transformers' `save_pretrained` refuses the shared tensors of PEFT's merged model). Floating
/// tensors are written in `dtype` (float32 unless told; `config.json`'s `dtype` says which), one
/// tensor at a time, into a temporary file renamed into place when complete; the config and
/// tokenizer files follow, so a merge or weight write that fails leaves what the folder held before
/// (and no folder when it made one).
public enum MergedModelWriter {
    /// The files copied from the source folder when it has them: the configs and what
    /// `tokenizer.save_pretrained` writes (fast and slow tokenizers, chat template).
    static let copiedFiles = [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "vocab.json", "merges.txt", "vocab.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
    ]

    /// Writes the checkpoint; returns the names of the files written.
    @discardableResult
    public static func write(_ model: any PretrainedModel, configFrom source: URL, to directory: URL, dtype: ExportDType = .float32) throws -> [String] {
        try write(model, configFrom: source, to: directory, dtype: dtype, values: dtype.value(of:))
    }

    /// Writes the checkpoint with `values` giving each parameter's values as written (in `dtype`),
    /// asked for one parameter at a time in the file's order, each written before the next is
    /// asked for (`PeftModel.writeMerged` merges them there).
    static func write(_ model: any PretrainedModel, configFrom source: URL, to directory: URL, dtype: ExportDType,
                      values: (Parameter) throws -> SafeTensorsValue) throws -> [String] {
        if model.namedModules().contains(where: { $0.module is any AdapterLayer || $0.module is ModulesToSaveWrapper }) {
            throw TunerError.invalidState("the model still holds adapter layers; merge and unload the adapters before writing it")
        }
        let companions = try companionFiles(of: model, from: source, dtype: dtype)
        let created = !FileManager.default.fileExists(atPath: directory.path)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TunerError.invalidConfig(path: directory.path, reason: "cannot create the folder: \(FileProblem.writing(directory, error: error))")
        }
        do {
            let saved = savedParameters(of: model)
            let parameters = Dictionary(saved.map { ($0.name, $0.parameter) }, uniquingKeysWith: { first, _ in first })
            try SafeTensorsWriter.write(entries: saved.map { .init(name: $0.name, dtype: dtype.safeTensorsDType, shape: $0.parameter.shape) },
                                        metadata: ["format": "pt"], to: directory.appendingPathComponent(SafeTensorsCheckpoint.singleFileName)) { entry in
                guard let parameter = parameters[entry.name] else { throw TunerError.invalidState("no parameter \(entry.name) to write") }
                return try values(parameter)
            }
            for (name, data) in companions {
                let url = directory.appendingPathComponent(name)
                do { try data.write(to: url, options: .atomic) } catch {
                    throw TunerError.invalidConfig(path: directory.path, reason: "cannot write the model's config and tokenizer files there: \(FileProblem.writing(url, error: error))")
                }
            }
        } catch {
            if created { try? FileManager.default.removeItem(at: directory) }
            throw error
        }
        return companions.map(\.name) + [SafeTensorsCheckpoint.singleFileName]
    }

    /// The files of `copiedFiles` that `source` has, as they are written: `config.json` with the
    /// export's dtype (and a replicated stack's layer count).
    private static func companionFiles(of model: any PretrainedModel, from source: URL, dtype: ExportDType) throws -> [(name: String, data: Data)] {
        try copiedFiles.compactMap { name in
            let from = source.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: from.path) else { return nil }
            var data: Data
            do { data = try Data(contentsOf: from) } catch {
                throw TunerError.invalidConfig(path: from.path, reason: "cannot read it to copy it beside the merged weights: \(FileProblem.reading(from, error: error))")
            }
            if name == "config.json" {
                if let replicated = try expandedConfig(data, of: model) { data = replicated }
                data = try dtype.config(data, path: from.path)
            }
            return (name, data)
        }
    }

    /// The replicated layer stack of `model`, or nil when its layers are the checkpoint's own.
    private static func replicatedStack(of model: any PretrainedModel) -> LayerStack? {
        guard let stack = (model as? any LayerReplicating)?.layerStack, stack.isReplicated else { return nil }
        return stack
    }

    /// Every parameter under its name, tied weights once; the layers of a replicated stack each
    /// under their own names although they share their tensors.
    private static func savedParameters(of model: any PretrainedModel) -> [(name: String, parameter: Parameter)] {
        var entries = model.namedParameters()
        guard let stack = replicatedStack(of: model), let list = model.module(at: stack.name) else { return entries }
        let named = Set(entries.map(\.name))
        for (index, layer) in list.children {
            for (name, parameter) in layer.namedParameters() {
                let full = "\(stack.name).\(index).\(name)"
                if !named.contains(full) { entries.append((full, parameter)) }
            }
        }
        return entries
    }

    /// `config.json` with the replicated stack's layer count (`num_hidden_layers`, GPT-2's `n_layer`;
    /// and `layer_types`, expanded by the same map), or nil when the model is not replicated or the
    /// file is not a JSON object.
    private static func expandedConfig(_ data: Data, of model: any PretrainedModel) throws -> Data? {
        guard let stack = replicatedStack(of: model), case let .object(members) = try JSONParser.parse(data) else { return nil }
        let sources = stack.sources
        let expanded: [(key: String, value: JSONValue)] = members.map { member in
            switch (member.key, member.value) {
            case (stack.layerCountKey, _): return (member.key, .int(sources.count))
            case let ("layer_types", .array(types)) where sources.allSatisfy(types.indices.contains):
                return (member.key, .array(sources.map { types[$0] }))
            default: return member
            }
        }
        return Data((JSONValue.object(expanded).prettyText + "\n").utf8)
    }
}
