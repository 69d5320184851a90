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
        case .adalora: return ConfigField.adaloraSchedule + ConfigField.lora.filter { $0.key != "r" && $0.key != "use_dora" }
        }
    }
}

/// One field of a method's config as the form and `config set` present it: PEFT's key, its
/// default (JSON text), and a line of help.
public struct ConfigField: Sendable, Equatable {
    public let key: String
    public let defaultValue: String
    public let help: String

    /// LoRA's fields with the defaults `LoraConfig` has (PEFT's).
    static let lora: [ConfigField] = {
        let defaults = (try? JSONSerialization.jsonObject(with: Data(LoraConfig().jsonText.utf8))) as? [String: Any] ?? [:]
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
        ].map { key, help in ConfigField(key: key, defaultValue: ConfigDraft.jsonText(defaults[key] ?? NSNull()), help: help) }
    }()

    /// AdaLoRA's schedule fields with PEFT's `AdaLoraConfig` defaults.
    static let adaloraSchedule: [ConfigField] = [
        ConfigField(key: "init_r", defaultValue: "12", help: "rank every module starts with"),
        ConfigField(key: "target_r", defaultValue: "8", help: "average rank per module once the budget is spent"),
        ConfigField(key: "total_step", defaultValue: "null", help: "the run's total steps (null: the run's max_steps)"),
        ConfigField(key: "tinit", defaultValue: "0", help: "warm-up steps before ranks are pruned"),
        ConfigField(key: "tfinal", defaultValue: "0", help: "final steps at the target budget, ranks fixed"),
        ConfigField(key: "deltaT", defaultValue: "1", help: "steps between two budget allocations"),
        ConfigField(key: "beta1", defaultValue: "0.85", help: "EMA factor of the importance (sensitivity)"),
        ConfigField(key: "beta2", defaultValue: "0.85", help: "EMA factor of the importance's uncertainty"),
        ConfigField(key: "orth_reg_weight", defaultValue: "0.5", help: "weight of the orthogonality regulariser on P and Q"),
    ]
}
