import Models

/// PEFT's `nn.ModuleDict` keyed by adapter name (`lora_A`, `lora_B`, `lora_dropout`, ...): its children
/// are named by adapter, so parameter names read `...q_proj.lora_A.default.weight` as in PEFT.
public final class AdapterModuleDict: Module {
    public init(typeName: String = "ModuleDict") {
        super.init(kind: .container, typeName: typeName)
    }

    /// A copy of this container without the entry `adapter` (containers are rebuilt on deletion).
    func removing(_ adapter: String) -> AdapterModuleDict {
        let copy = AdapterModuleDict(typeName: typeName)
        for (name, module) in children where name != adapter { copy.register(module, as: name) }
        return copy
    }
}

/// PEFT's `nn.ParameterDict` keyed by adapter name (`lora_embedding_A`): its parameters are named by
/// adapter, so names read `...embed_tokens.lora_embedding_A.default`.
public final class AdapterParameterDict: Module {
    public init() {
        super.init(kind: .container, typeName: "ParameterDict")
    }

    /// A copy of this container without the entry `adapter`.
    func removing(_ adapter: String) -> AdapterParameterDict {
        let copy = AdapterParameterDict()
        for (name, parameter) in parameters where name != adapter { copy.register(parameter, as: name) }
        return copy
    }
}
