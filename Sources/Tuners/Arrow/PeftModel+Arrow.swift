import Foundation
import Models
import Tensors

extension PeftModel {
    /// The name `create_arrow_model` gives its router adapter.
    public static let arrowRouterName = "arrow_router"

    /// PEFT's `create_arrow_model`: loads `taskAdapters` as experts `task_0`, `task_1`, ... and, with
    /// `config.useGks`, `generalAdapters` as `gks_0`, ...; then adds the router `arrow_router` over
    /// them (`addArrowRouter`) and makes it the active adapter.
    public static func createArrowModel(_ model: any PretrainedModel, taskAdapters: [URL], generalAdapters: [URL] = [],
                                        config: ArrowConfig) throws -> PeftModel {
        try config.validate()
        guard !taskAdapters.isEmpty else { throw TunerError.invalidValue(field: "task_specific_adapter_paths", reason: "`task_specific_adapter_paths` should contain at least one adapter path") }
        if config.useGks, generalAdapters.isEmpty {
            throw TunerError.invalidValue(field: "general_adapter_paths", reason: "You should provide general LoRA paths if you want to use GenKnowSub.")
        }
        let tasks = taskAdapters.indices.map { "task_\($0)" }
        let general = config.useGks ? generalAdapters.indices.map { "gks_\($0)" } : []
        let references = zip(tasks, taskAdapters).map { AdapterReference(name: $0, directory: $1) }
            + zip(general, config.useGks ? generalAdapters : []).map { AdapterReference(name: $0, directory: $1) }
        let peft = try loading(model, adapters: references)
        try peft.addArrowRouter(arrowRouterName, experts: tasks, general: general, config: config)
        try peft.setAdapter(arrowRouterName)
        return peft
    }

    /// Adds `name`, an Arrow adapter routing over the loaded LoRA adapters `experts` (PEFT's
    /// `ArrowLinearVariant`): they must share a rank and modules on Linear layers; with `general`
    /// adapters (and `config.useGks`), GenKnowSub first subtracts their mean from every expert, in place. Each LoRA Linear
    /// holding the experts gets a router; `name` routes there once `setAdapter` makes it active. Its
    /// config is PEFT's router config (the experts' `r` and module names); it has no weights of its
    /// own, so `savePretrained` leaves it out.
    public func addArrowRouter(_ name: String, experts: [String], general: [String] = [], config: ArrowConfig) throws {
        try config.validate()
        guard configs[name] == nil else { throw TunerError.duplicateAdapter(name) }
        guard !experts.isEmpty else { throw TunerError.invalidValue(field: "task_adapter_names", reason: "name at least one expert adapter to route over") }
        for adapter in experts + general { try requireAdapter(adapter) }
        guard config.useGks == !general.isEmpty else {
            throw TunerError.invalidValue(field: "use_gks", reason: config.useGks ? "You should provide general LoRA paths if you want to use GenKnowSub." : "general adapters are subtracted with use_gks; set it")
        }
        if let router = (experts + general).first(where: isArrowRouter) {
            throw TunerError.invalidValue(field: "task_adapter_names", reason: "\(router) is itself an Arrow router; route over LoRA adapters")
        }
        guard config.topK <= experts.count else {
            throw TunerError.invalidValue(field: "top_k", reason: "top_k \(config.topK) is more than the \(experts.count) task experts")
        }
        let (r, modules) = try checkArrowCompatibility(experts + general)
        if !general.isEmpty { try subtractGeneralKnowledge(from: experts, general: general) }
        var routerConfig = LoraConfig(r: r, targetModules: .names(modules))
        routerConfig.base.inferenceMode = true
        for (_, layer) in adapterLayers {
            guard let lora = layer as? LoraLinear, experts.allSatisfy(lora.adapterNames.contains) else { continue }
            lora.arrowRouters[name] = ArrowRouter(experts: experts, config: config)
        }
        configs[name] = routerConfig
        adapterNames.append(name)
    }

    /// Whether `adapter` is an Arrow router (`addArrowRouter`).
    public func isArrowRouter(_ adapter: String) -> Bool {
        adapterLayers.contains { ($0.layer as? LoraLinear)?.arrowRouters[adapter] != nil }
    }

    /// PEFT's `check_loaded_lora_compatibility_arrow`: every adapter is LoRA on Linear layers, with
    /// one rank and the same module names.
    private func checkArrowCompatibility(_ adapters: [String]) throws -> (r: Int, modules: [String]) {
        var reference: (name: String, r: Int, modules: [String])?
        for adapter in adapters {
            let layers = adapterLayers.filter { $0.layer.adapterNames.contains(adapter) }
            if let offender = layers.first(where: { ($0.layer as? LoraLinear)?.layout != .outIn }) {
                throw TunerError.invalidValue(field: "adapters", reason: "LoRA adapters must only target Linear-like layers; adapter '\(adapter)' is on module '\(offender.name)' of type \(offender.layer.baseLayer.typeName)")
            }
            let modules = Set(layers.map { String($0.name.split(separator: ".").last ?? "") }).sorted()
            let r = layers.compactMap { LoraFactors.of(adapter, on: $0.layer)?.a.shape[0] }.last ?? 0
            guard let first = reference else { reference = (adapter, r, modules); continue }
            guard r == first.r else { throw TunerError.invalidValue(field: "r", reason: "[\(adapter)] rank mismatch: \(r) != \(first.r)") }
            guard modules == first.modules else {
                throw TunerError.invalidValue(field: "target_modules", reason: "[\(adapter)] target_modules mismatch: this adapter -> \(modules), reference -> \(first.modules)")
            }
        }
        return (reference?.r ?? 0, reference?.modules ?? [])
    }

    /// GenKnowSub: at every module, the mean `lora_A` and mean `lora_B` of `general` are subtracted
    /// from each of `tasks`' (in place, as PEFT's `gen_know_sub`).
    public func subtractGeneralKnowledge(from tasks: [String], general: [String]) throws {
        try GradMode.withoutGradients {
            for (_, layer) in adapterLayers {
                let generalFactors = general.compactMap { LoraFactors.of($0, on: layer) }
                guard !generalFactors.isEmpty else { continue }
                let weights = [Float](repeating: 1 / Float(generalFactors.count), count: generalFactors.count)
                let meanA = try TaskMerging.taskArithmetic(generalFactors.map { try $0.a.value() }, weights: weights)
                let meanB = try TaskMerging.taskArithmetic(generalFactors.map { try $0.b.value() }, weights: weights)
                for task in tasks {
                    guard let factors = LoraFactors.of(task, on: layer) else { continue }
                    try factors.a.assign(factors.a.value() - meanA, name: "lora_A.\(task)")
                    try factors.b.assign(factors.b.value() - meanB, name: "lora_B.\(task)")
                }
            }
        }
    }
}

extension AdapterReference {
    /// The adapter in `directory`, loaded under `name`.
    init(name: String, directory: URL) {
        self.name = name
        self.directory = directory
    }
}
