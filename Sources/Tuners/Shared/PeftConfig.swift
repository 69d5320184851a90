import JSON
import FileAccess
import Foundation
import Models
import Tensors

/// The configuration of one adapter of a PEFT method, and what the shared `PeftModel` needs from
/// that method: PEFT's base fields, the targeting fields, validation, its JSON form, and how it
/// wraps a target module. The method's own fields are its own (no method is forced into another's
/// shape). Saving, loading and the other hooks default to doing nothing.
public protocol PeftConfig {
    /// PEFT's base fields (`peft_type`, `task_type`, `inference_mode`, ...).
    var base: PeftBaseFields { get set }
    /// The fields that choose the modules to adapt.
    var targeting: TargetingFields { get set }
    /// PEFT's `__post_init__` checks; messages say what was wrong and what to do.
    func validate() throws
    /// The JSON object PEFT's `save_pretrained` writes.
    var json: JSONValue { get }
    /// PEFT's `_check_new_adapter_config`: refuses this config next to the adapters already held.
    func checkCompatible(with existing: [String: any PeftConfig]) throws
    /// PEFT's `_create_and_replace`: adds adapter `name` for the module at `key` (currently
    /// `target`). Returns the new wrapper when `target` was not yet a layer of this method, else nil.
    /// May correct fields to what the layer needs (`fan_in_fan_out`), as PEFT does.
    mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)?
    /// What PEFT warns about after `addAdapter` corrected fields of `original` (the config before).
    func corrections(from original: any PeftConfig) -> [String]
    /// PEFT's `_prepare_model`: changes the model before the targets are matched (LoRA's
    /// `layer_replication`). Returns what undoes the change, if it made one.
    func prepareModel(_ model: any PretrainedModel) throws -> (() throws -> Void)?
    /// PEFT's `target_parameters`: the modules wrapped because the config names one of their
    /// parameters, found in `model` before any module of this adapter is wrapped; `moduleTargets`
    /// are the modules `target_modules` selected.
    func parameterTargets(in model: any PretrainedModel, besides moduleTargets: [String]) throws -> [(key: String, module: Module)]
    /// PEFT's `trainable_token_indices`: embedding rows that train beside the adapter.
    var trainableTokenIndices: TrainableTokenIndices? { get }
    /// PEFT's `_pre_injection_hook`: makes the adapter-level tensors every layer of the adapter
    /// shares (`sharedTensors`) for the modules about to be wrapped, before `addAdapter` runs.
    mutating func prepareSharedTensors(for targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws
    /// The adapter-level tensors `prepareSharedTensors` made (none for most methods). They live with
    /// the adapter's config, so they go when the adapter is deleted.
    var sharedTensors: [SharedAdapterTensor] { get }
    /// The tensors `save_pretrained` writes, given the live ones under their saved keys.
    func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: SafeTensorsValue]
    /// The tensors of a saved adapter file under the keys of the live adapter's state entries; by
    /// default the file's own.
    func tensorsToLoad(from file: SafeTensorsFile) throws -> [SavedAdapterTensor]
    /// Makes the layers holding `adapter` fit the tensors of a saved adapter before they are loaded.
    func prepareForLoading(_ layers: [(name: String, layer: any AdapterLayer)], adapter: String) throws
    /// Which base biases train with the adapter (LoRA's `bias`); `.none` for methods without it.
    var biasMode: LoraConfig.Bias { get }
    /// Keys of the file a newer PEFT wrote that this config kept without using.
    var unknownKeys: [String] { get }
    /// What the adapter on the module `name` gets, for display: `r=8, lora_alpha=16, scaling 2`.
    func moduleSummary(for name: String) throws -> String
    /// A one-line summary of the method's main settings (`r=8 alpha=16`).
    var summary: String { get }
    /// What training `adapter` of `peft` adds to the loop (AdaLoRA's regulariser and allocator), or nil.
    func trainingHook(for peft: PeftModel, adapter: String) throws -> (any AdapterTrainingHook)?
}

extension PeftConfig {
    /// The method, as `peft_type` names it.
    public var peftType: PeftType { base.peftType }

    public func checkCompatible(with existing: [String: any PeftConfig]) throws {}

    public func corrections(from original: any PeftConfig) -> [String] { [] }

    public mutating func prepareSharedTensors(for targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws {}

    public func prepareModel(_ model: any PretrainedModel) throws -> (() throws -> Void)? { nil }

    public func parameterTargets(in model: any PretrainedModel, besides moduleTargets: [String]) throws -> [(key: String, module: Module)] { [] }

    public var trainableTokenIndices: TrainableTokenIndices? { nil }

    public var sharedTensors: [SharedAdapterTensor] { [] }

    public func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: SafeTensorsValue] { live.mapValues { .float32($0) } }

    public func tensorsToLoad(from file: SafeTensorsFile) throws -> [SavedAdapterTensor] { SavedAdapterTensor.all(in: file) }

    public func prepareForLoading(_ layers: [(name: String, layer: any AdapterLayer)], adapter: String) throws {}

    public var biasMode: LoraConfig.Bias { .none }

    public func trainingHook(for peft: PeftModel, adapter: String) throws -> (any AdapterTrainingHook)? { nil }

    /// PEFT's warning when `fan_in_fan_out` was corrected to what the wrapped layers need.
    static func fanInFanOutCorrection(before: Bool, after: Bool) -> [String] {
        guard before != after else { return [] }
        return ["fan_in_fan_out is set to \(before) but the target modules are \(before ? "Linear" : "Conv1D"); setting fan_in_fan_out to \(after)"]
    }

    /// `r=8, alpha=16, scaling 2`, under the alpha key `alphaKey`.
    static func moduleSummary(r: Int, alpha: Double, alphaKey: String, scaling: Double) -> String {
        "r=\(r), \(alphaKey)=\(String(format: "%g", alpha)), scaling \(String(format: "%g", scaling))"
    }

    /// Writes `adapter_config.json` into `directory` as PEFT does (sorted keys, indent 2), through a
    /// temporary file renamed into place.
    public func write(to directory: URL) throws {
        let url = directory.appendingPathComponent(AdapterFiles.configFileName)
        do {
            try Data(json.pythonJSONText().utf8).write(to: url, options: .atomic)
        } catch {
            throw TunerError.invalidConfig(path: url.path, reason: "cannot write the file: \(FileProblem.writing(url, error: error))")
        }
    }
}
