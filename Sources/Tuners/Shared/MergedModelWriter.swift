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
/// tensors are written in `dtype` (float32 unless told; `config.json`'s `dtype` says which).
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
        var written: [String] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in copiedFiles {
                let from = source.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: from.path) else { continue }
                var data = try Data(contentsOf: from)
                if name == "config.json" {
                    if let replicated = try expandedConfig(data, of: model) { data = replicated }
                    data = try dtype.config(data, path: from.path)
                }
                try data.write(to: directory.appendingPathComponent(name), options: .atomic)
                written.append(name)
            }
        } catch {
            throw TunerError.invalidConfig(path: directory.path, reason: "cannot write the model's config and tokenizer files there: \(FileProblem.writing(directory.appendingPathComponent("config.json"), error: error))")
        }
        if model.namedModules().contains(where: { $0.module is any AdapterLayer || $0.module is ModulesToSaveWrapper }) {
            throw TunerError.invalidState("the model still holds adapter layers; merge and unload the adapters before writing it")
        }
        let tensors = try Dictionary(uniqueKeysWithValues: savedParameters(of: model).map { ($0.name, try dtype.value(of: $0.parameter)) })
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent(SafeTensorsCheckpoint.singleFileName))
        return written + [SafeTensorsCheckpoint.singleFileName]
    }

    /// The replicated layer stack of `model`, or nil when its layers are the checkpoint's own.
    private static func replicatedStack(of model: any PretrainedModel) -> (any LayerReplicating)? {
        guard let replicating = model as? any LayerReplicating, replicating.layerSources != Array(replicating.layerSources.indices) else { return nil }
        return replicating
    }

    /// Every parameter under its name, tied weights once; the layers of a replicated stack each
    /// under their own names although they share their tensors.
    private static func savedParameters(of model: any PretrainedModel) -> [(name: String, parameter: Parameter)] {
        var entries = model.namedParameters()
        guard let replicating = replicatedStack(of: model), let list = model.module(at: replicating.layerListName) else { return entries }
        let named = Set(entries.map(\.name))
        for (index, layer) in list.children {
            for (name, parameter) in layer.namedParameters() {
                let full = "\(replicating.layerListName).\(index).\(name)"
                if !named.contains(full) { entries.append((full, parameter)) }
            }
        }
        return entries
    }

    /// `config.json` with the replicated stack's `num_hidden_layers` (and `layer_types`, expanded
    /// by the same map), or nil when the model is not replicated or the file is not a JSON object.
    private static func expandedConfig(_ data: Data, of model: any PretrainedModel) throws -> Data? {
        guard let replicating = replicatedStack(of: model), case let .object(members) = try JSONParser.parse(data) else { return nil }
        let sources = replicating.layerSources
        let expanded: [(key: String, value: JSONValue)] = members.map { member in
            switch (member.key, member.value) {
            case ("num_hidden_layers", _): return (member.key, .int(sources.count))
            case let ("layer_types", .array(types)) where sources.allSatisfy(types.indices.contains):
                return (member.key, .array(sources.map { types[$0] }))
            default: return member
            }
        }
        return Data((JSONValue.object(expanded).prettyText + "\n").utf8)
    }
}
