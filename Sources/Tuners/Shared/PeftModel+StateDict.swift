import Models
import Tensors

extension PeftModel {
    /// PEFT's `get_peft_model_state_dict(adapter)`: the tensors `save_pretrained` writes, under PEFT's
    /// keys (`base_model.model.<module>.lora_A.weight`, adapter name removed), as parameters.
    public func adapterStateEntries(_ adapter: String) -> [String: Parameter] {
        var entries = adapterOwnEntries(adapter)
        func add(_ name: String, _ parameter: Parameter) { entries[AdapterFiles.keyPrefix + name] = parameter }
        guard let config = configs[adapter] else { return entries }
        let others = adapterNames.filter { $0 != adapter }
        switch config.biasMode {
        case .none: break
        case .all:
            for (name, parameter) in model.namedParameters() where (name == "bias" || name.hasSuffix(".bias")) && !AdapterFiles.belongs(name, toAnyOf: others) {
                add(AdapterFiles.removingAdapterName(name, adapter: adapter), parameter)
            }
        case .loraOnly:
            for (path, layer) in adapterLayers { if let bias = layer.baseLayer.parameter("bias") { add("\(path).base_layer.bias", bias) } }
        }
        for (path, layer) in config.trainableTokenIndices == nil ? savedEmbeddingLayers(config.targeting) : [] {
            for (name, parameter) in layer.baseLayer.namedParameters() { add("\(path).base_layer.\(name)", parameter) }
        }
        return entries
    }

    /// The adapter's own tensors (adapter layers, its shared tensors and `modules_to_save` copies)
    /// under their saved keys.
    private func adapterOwnEntries(_ adapter: String) -> [String: Parameter] {
        var entries: [String: Parameter] = [:]
        for (path, layer) in adapterLayers {
            for (relative, parameter) in layer.adapterParameters(of: adapter) {
                entries[AdapterFiles.keyPrefix + "\(path).\(layer.savedName(of: relative, adapter: adapter))"] = parameter
            }
        }
        for shared in configs[adapter]?.sharedTensors ?? [] {
            entries[shared.savedKey] = shared.parameter
            guard shared.savedPerLayer else { continue }
            for (path, layer) in adapterLayers where layer.adapterNames.contains(adapter) {
                entries[AdapterFiles.keyPrefix + "\(path).\(shared.name)"] = shared.parameter
            }
        }
        for (path, wrapper) in modulesToSaveWrappers {
            for (relative, parameter) in wrapper.copy(for: adapter)?.namedParameters() ?? [] {
                entries[AdapterFiles.keyPrefix + "\(path).\(relative)"] = parameter
            }
        }
        return entries
    }

    /// PEFT's `save_embedding_layers="auto"`: when the targets name `embed_tokens` or `lm_head`, the
    /// wrapped input/output embedding's full base weight is saved too (not with
    /// `trainable_token_indices`, whose point is to save rows only).
    private func savedEmbeddingLayers(_ config: TargetingFields) -> [(name: String, layer: any AdapterLayer)] {
        let embeddingNames = ["embed_tokens", "lm_head"]
        let targeted: Bool
        switch config.targetModules {
        case let .names(names)?: targeted = names.contains(where: embeddingNames.contains)
        case let .pattern(pattern)?:
            let regex = try? PythonRegex(pattern, field: "target_modules")
            targeted = model.namedModules().contains { name, _ in
                embeddingNames.contains { name == $0 || name.hasSuffix("." + $0) } && regex?.fullMatches(name) == true
            }
        default: targeted = false
        }
        guard targeted else { return [] }
        let inputEmbedding = model.namedModules().first { $0.module.kind == .embedding }?.name
        return adapterLayers.filter { $0.name == inputEmbedding || model.outputLayerNames.contains($0.name) }
    }

    /// The tensors `save_pretrained` writes for `adapter`: its state entries' values, as the method
    /// saves them (AdaLoRA keeps only the ranks its `rank_pattern` kept, VB-LoRA may keep only the top-k).
    public func savedAdapterTensors(_ adapter: String) throws -> [String: SafeTensorsValue] {
        try requireAdapter(adapter)
        return try configs[adapter]!.savedTensors(adapterStateEntries(adapter).mapValues { try $0.value() }, adapter: adapter)
    }

    /// PEFT's `set_peft_model_state_dict`: puts the tensors of an adapter file into adapter `adapter`,
    /// after the method has fitted its layers to them (AdaLoRA's `rank_pattern`). Keys not belonging
    /// to the adapter (saved biases, embedding weights) go to the model parameter of that name. Every
    /// tensor is checked first; a missing, unexpected or misshapen one changes no weight.
    func loadAdapterState(_ file: SafeTensorsFile, adapter: String) throws {
        try configs[adapter]!.prepareForLoading(adapterLayers.filter { $0.layer.adapterNames.contains(adapter) }, adapter: adapter)
        updateTrainability()
        let expected = adapterStateEntries(adapter)
        let modelParameters = Dictionary(model.namedParameters().map { (AdapterFiles.keyPrefix + $0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        let saved = try configs[adapter]!.tensorsToLoad(from: file)
        var assignments: [(Parameter, SavedAdapterTensor)] = [], unexpected: [String] = [], misshapen: [String] = []
        for info in saved {
            guard let parameter = expected[info.name] ?? modelParameters[info.name] else { unexpected.append(info.name); continue }
            guard parameter.shape == info.shape else {
                misshapen.append("\(info.name) is \(info.shape) in the file but \(parameter.shape) in the model")
                continue
            }
            assignments.append((parameter, info))
        }
        let present = Set(saved.map(\.name))
        let missing = adapterOwnEntries(adapter).keys.filter { !present.contains($0) }.sorted()
        var problems: [String] = []
        if !misshapen.isEmpty { problems.append("shapes differ: " + Self.list(misshapen)) }
        if !missing.isEmpty { problems.append("missing tensors: " + Self.list(missing)) }
        if !unexpected.isEmpty { problems.append("tensors for modules this adapter does not have: " + Self.list(unexpected)) }
        guard problems.isEmpty else {
            throw TunerError.adapterMismatch(path: file.path, reason: problems.joined(separator: "; ") + "; was the adapter trained on this model (same architecture and size)?")
        }
        for (parameter, info) in assignments {
            let values = try info.values()
            if let current = parameter.tensor { try current.assign(values) } else { try parameter.assign(values, name: info.name) }
        }
    }

    static func list(_ items: [String]) -> String {
        items.count <= 6 ? items.joined(separator: ", ") : items.prefix(6).joined(separator: ", ") + " and \(items.count - 6) more"
    }
}
