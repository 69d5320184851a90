import Foundation
import Models
import Tensors

extension PeftModel {
    /// PEFT's `create_arrow_model`: loads `taskAdapters` as experts `task_0`, `task_1`, ... and, with
    /// `config.useGks`, `generalAdapters` as `gks_0`, ...; checks that they share a rank and modules;
    /// applies GenKnowSub (the general adapters' mean A and mean B subtracted from every expert's),
    /// then routes every Linear holding the experts with an `ArrowLinear`. The returned model's
    /// `forward` (and `model`'s) is the routed one.
    public static func createArrowModel(_ model: any PretrainedModel, taskAdapters: [URL], generalAdapters: [URL] = [],
                                        config: ArrowConfig) throws -> PeftModel {
        try config.validate()
        guard !taskAdapters.isEmpty else { throw TunerError.invalidValue(field: "task_specific_adapter_paths", reason: "`task_specific_adapter_paths` should contain at least one adapter path") }
        if config.useGks, generalAdapters.isEmpty {
            throw TunerError.invalidValue(field: "general_adapter_paths", reason: "You should provide general LoRA paths if you want to use GenKnowSub.")
        }
        guard config.topK <= taskAdapters.count else {
            throw TunerError.invalidValue(field: "top_k", reason: "top_k \(config.topK) is more than the \(taskAdapters.count) task experts")
        }
        let tasks = taskAdapters.indices.map { "task_\($0)" }
        let general = config.useGks ? generalAdapters.indices.map { "gks_\($0)" } : []
        let references = zip(tasks, taskAdapters).map { AdapterReference(name: $0, directory: $1) }
            + zip(general, config.useGks ? generalAdapters : []).map { AdapterReference(name: $0, directory: $1) }
        let peft = try loading(model, adapters: references)
        try peft.checkArrowCompatibility(tasks + general)
        if config.useGks { try peft.subtractGeneralKnowledge(from: tasks, general: general) }
        try peft.routeWithArrow(tasks, config: config)
        return peft
    }

    /// PEFT's `check_loaded_lora_compatibility_arrow`: every adapter is LoRA on Linear layers, with
    /// one rank and the same module names.
    private func checkArrowCompatibility(_ adapters: [String]) throws {
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

    /// Puts an `ArrowLinear` over the experts `tasks` in place of every LoRA layer that holds them.
    private func routeWithArrow(_ tasks: [String], config: ArrowConfig) throws {
        for (name, layer) in adapterLayers {
            let experts = try tasks.compactMap { task in
                try LoraFactors.of(task, on: layer).map { ArrowLinear.Expert(a: try $0.a.value().copy(), b: try $0.b.value().copy(), scaling: $0.scaling) }
            }
            guard experts.count == tasks.count else { continue }
            try model.replaceModule(at: name, with: ArrowLinear(wrapping: layer.baseLayer, experts: experts, config: config))
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
