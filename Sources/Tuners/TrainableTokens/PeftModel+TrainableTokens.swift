import Models

extension PeftModel {
    /// Where `trainable_token_indices` puts trainable rows: each wrapped module with its ids, and the
    /// heads tied to the input embedding that follow its wrapper.
    struct TrainableTokensPlan {
        var wrapped: [(key: String, module: Module, ids: [Int])] = []
        var tied: [(key: String, module: Module)] = []
    }

    /// PEFT's `set_additional_trainable_modules` for `trainable_token_indices`, checked before any
    /// module changes: a list names the input embedding; `{name: ids}` names modules whose full name
    /// ends with `name`. When the input embedding's weight is also an output head's (tied
    /// embeddings), the head follows the embedding's rows, as PEFT ties it; a head listed with the
    /// embedding's ids is tied rather than wrapped on its own. `moduleTargets` are the modules the
    /// adapter's method wraps, which cannot also train rows here.
    func trainableTokensPlan(_ indices: TrainableTokenIndices, modulesToSave: [String]?, moduleTargets: [String]) throws -> TrainableTokensPlan {
        let modules = model.namedModules()
        let embedding = modules.first { $0.module.kind == .embedding }
        let requested: [(name: String, ids: [Int])]
        switch indices {
        case let .inputEmbedding(ids): requested = [(embedding?.name ?? "embed_tokens", ids)]
        case let .modules(targets): requested = targets.map { ($0.name, $0.ids) }
        }
        for (name, _) in requested where modulesToSave?.contains(name) == true {
            throw TunerError.invalidValue(field: TrainableTokenIndices.field, reason: "The embedding layer is already marked to be trained fully, either specify `modules_to_save=[..., \"\(name)\", ...]` or `trainable_tokens={'\(name)': x}` but not both.")
        }
        let embeddingWeight = embedding.flatMap { Self.tableWeight(of: $0.module) }
        let insideAdapters = modules.filter { $0.module is any AdapterLayer }.map { $0.name + "." }
        let tiedModules = modules.filter { key, module in
            guard key != embedding?.name, !insideAdapters.contains(where: key.hasPrefix) else { return false }
            let head = (module as? any AdapterLayer)?.baseLayer ?? module
            return (head as? Linear).map { $0.weight === embeddingWeight } == true
        }
        var skipped = Set<String>(), indicesMismatch = false
        if requested.count > 1, !tiedModules.isEmpty, let embeddingName = embedding?.name {
            let tiedNames = tiedModules.map(\.name)
            let tiedKeys = requested.filter { name, _ in embeddingName.hasSuffix(name) || tiedNames.contains { $0.hasSuffix(name) || $0.split(separator: ".").contains(Substring(name)) } }
            if tiedKeys.count >= 2 {
                indicesMismatch = !tiedKeys.allSatisfy { $0.ids == tiedKeys[0].ids }
                if !indicesMismatch { skipped = Set(tiedKeys.map(\.name).filter { name in tiedNames.contains { $0 == name || $0.hasSuffix("." + name) } }) }
            }
        }
        var plan = TrainableTokensPlan()
        for (name, ids) in requested where !skipped.contains(name) {
            let matches = modules.filter { key, _ in !key.isEmpty && key.hasSuffix(name) && !insideAdapters.contains(where: key.hasPrefix) }
            guard !matches.isEmpty else {
                throw TunerError.noMatchingModules("Target modules {'\(name)'} not found in the base model. Please check the target modules and try again. (trainable_token_indices)")
            }
            for (key, module) in matches {
                if moduleTargets.contains(key) || (module is any AdapterLayer && !(module is TrainableTokensWrapper)) || module is ModulesToSaveWrapper {
                    throw TunerError.invalidValue(field: TrainableTokenIndices.field, reason: "\(key) is also adapted by target_modules or modules_to_save; PEFT cannot train its rows as well (TrainableTokensLayer wraps an unknown layer type). Leave it out of one of them")
                }
                guard let table = Self.tableWeight(of: module) else {
                    throw TunerError.unsupportedModule(name: key, reason: "trainable_token_indices trains rows of an embedding (or of an output head without bias), and \(key) is a \(module.typeName); name an embedding such as embed_tokens")
                }
                if let bad = ids.first(where: { $0 >= table.shape[0] }) {
                    throw TunerError.invalidValue(field: TrainableTokenIndices.field, reason: "token id \(bad) is outside \(key)'s \(table.shape[0]) rows (ids 0..\(table.shape[0] - 1))")
                }
                plan.wrapped.append((key, module, ids))
            }
        }
        let embeddingWrapped = plan.wrapped.contains { $0.key == embedding?.name } || embedding?.module is TrainableTokensWrapper
        if embeddingWrapped, !indicesMismatch {
            for (key, module) in tiedModules where !(module is TrainableTokensWrapper) {
                if module is any AdapterLayer || moduleTargets.contains(key) {
                    throw TunerError.invalidValue(field: TrainableTokenIndices.field, reason: "\(key) shares its weight with the input embedding (tied embeddings), so its rows follow the trainable tokens, but target_modules adapts it too; leave \(key) out of target_modules")
                }
                plan.tied.append((key, module))
            }
        }
        return plan
    }

    /// Puts the planned rows of `adapter` in place: new wrappers where the modules have none, the
    /// adapter added to those that do, and tied heads following the input embedding's wrapper.
    func applyTrainableTokens(_ plan: TrainableTokensPlan, adapter: String) throws {
        var embeddingWrapper: TrainableTokensWrapper?
        for (key, module, ids) in plan.wrapped {
            let wrapper = try module as? TrainableTokensWrapper ?? TrainableTokensWrapper.wrapping(module, path: key)
            try wrapper.add(adapter, ids: ids)
            if wrapper !== module { try model.replaceModule(at: key, with: wrapper) }
            if wrapper.baseLayer.kind == .embedding, embeddingWrapper == nil { embeddingWrapper = wrapper }
        }
        guard let source = embeddingWrapper ?? model.namedModules().lazy.compactMap({ $0.module as? TrainableTokensWrapper }).first(where: { $0.baseLayer.kind == .embedding }) else { return }
        for (key, module) in plan.tied {
            try model.replaceModule(at: key, with: TrainableTokensWrapper.wrapping(module, path: key, tiedTo: source))
        }
    }

    /// The table whose rows `trainable_token_indices` replaces: an embedding's, or a bias-free
    /// Linear head's (a wrapper's base).
    private static func tableWeight(of module: Module) -> Parameter? {
        switch module {
        case let wrapper as TrainableTokensWrapper: return wrapper.weight
        case let embedding as Embedding: return embedding.weight
        case let linear as Linear where linear.bias == nil: return linear.weight
        default: return nil
        }
    }
}
