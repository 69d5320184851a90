import Foundation
import Tuners

/// The PEFT methods the workbench configures.
public enum AdapterMethod: String, CaseIterable, Sendable {
    case lora, adalora

    /// The `peft_type` PEFT writes.
    public var peftType: String { rawValue.uppercased() }

    /// The config form's fields, in the order shown.
    public var fields: [ConfigField] {
        switch self {
        case .lora: return ConfigField.lora
        case .adalora: return ConfigField.adalora
        }
    }
}

/// One field of a method's config as the form and `config set` present it: PEFT's key, its
/// default (JSON text), and a line of help.
public struct ConfigField: Sendable, Equatable {
    public let key: String
    public let defaultValue: String
    public let help: String

    /// The default value of every key of `config`'s JSON, as JSON text.
    static func defaults(of config: any PeftConfig) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(config.jsonText.utf8))) as? [String: Any] ?? [:]
        return object.mapValues(ConfigDraft.jsonText)
    }

    /// LoRA's fields with the defaults `LoraConfig` has (PEFT's).
    static let lora: [ConfigField] = {
        let defaults = Self.defaults(of: LoraConfig())
        return [
            ("r", "rank of the update: A is r × in, B is out × r"),
            ("lora_alpha", "the update is scaled by lora_alpha / r (lora_alpha / √r with use_rslora)"),
            ("lora_dropout", "dropout on the adapter's input while training, in [0, 1)"),
            ("target_modules", "modules to adapt: names, suffixes or a regex (set with `target`); null: the model type's defaults"),
            ("exclude_modules", "modules never adapted, even when target_modules selects them"),
            ("bias", "which biases train: none, all or lora_only"),
            ("use_rslora", "rank-stabilised LoRA: scale by lora_alpha / √r"),
            ("use_dora", "DoRA: learn a magnitude vector beside the low-rank direction update"),
            ("init_lora_weights", "true: Kaiming A and zero B (no change at start); false: both random; \"gaussian\""),
            ("fan_in_fan_out", "true when the layer stores its weight as in × out (GPT-2's Conv1D)"),
            ("modules_to_save", "modules trained in full and saved with the adapter (a classifier head)"),
            ("layers_to_transform", "only these layer indices (a number or a list); null: all"),
            ("layers_pattern", "the name of the layer list layers_to_transform counts in (layers, h)"),
            ("rank_pattern", "per-module ranks: {\"regex\": r}, first match wins"),
            ("alpha_pattern", "per-module alphas: {\"regex\": alpha}"),
            ("lora_bias", "give lora_B a bias"),
            ("task_type", "CAUSAL_LM, SEQ_CLS, ... (null: the loaded model's task)"),
        ].map { key, help in ConfigField(key: key, defaultValue: defaults[key] ?? "null", help: help) }
    }()

    /// AdaLoRA's fields: its schedule, then LoRA's (without `r`, which AdaLoRA ignores, and DoRA,
    /// which it refuses), each with `AdaLoraConfig`'s default.
    static let adalora: [ConfigField] = {
        let defaults = Self.defaults(of: AdaLoraConfig(totalStep: nil))
        return adaloraSchedule + lora.filter { $0.key != "r" && $0.key != "use_dora" }.map {
            ConfigField(key: $0.key, defaultValue: defaults[$0.key] ?? $0.defaultValue, help: $0.help)
        }
    }()

    /// AdaLoRA's schedule fields with the defaults `AdaLoraConfig` has (PEFT's).
    static let adaloraSchedule: [ConfigField] = {
        let defaults = Self.defaults(of: AdaLoraConfig(totalStep: nil))
        return [
            ("init_r", "rank every module starts with"),
            ("target_r", "average rank per module once the budget is spent"),
            ("total_step", "the run's total steps (null: the run's max_steps)"),
            ("tinit", "warm-up steps before ranks are pruned"),
            ("tfinal", "final steps at the target budget, ranks fixed"),
            ("deltaT", "steps between two budget allocations"),
            ("beta1", "EMA factor of the importance (sensitivity)"),
            ("beta2", "EMA factor of the importance's uncertainty"),
            ("orth_reg_weight", "weight of the orthogonality regulariser on P and Q"),
        ].map { key, help in ConfigField(key: key, defaultValue: defaults[key] ?? "null", help: help) }
    }()
}
