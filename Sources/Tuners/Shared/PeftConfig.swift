import Foundation
import Models
import Tensors

/// The configuration of one adapter of a LoRA-family method, and what the shared `PeftModel` needs
/// from that method: its LoRA fields (PEFT's configs of these methods all extend `LoraConfig`),
/// validation, its JSON form, and how it wraps a target module. Saving and loading hooks default to
/// doing nothing, for methods whose saved tensors are their live ones.
public protocol PeftConfig {
    /// The fields every method shares with LoRA (targets, dropout, bias, task type, ...).
    var lora: LoraConfig { get set }
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
    /// The tensors `save_pretrained` writes, given the live ones under their saved keys.
    func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: Tensor]
    /// Makes the layers holding `adapter` fit the tensors of a saved adapter before they are loaded.
    func prepareForLoading(_ layers: [(name: String, layer: any AdapterLayer)], adapter: String) throws
}

extension PeftConfig {
    /// The method, as `peft_type` names it.
    public var peftType: PeftType { lora.peftType }

    public func checkCompatible(with existing: [String: any PeftConfig]) throws {}

    public func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: Tensor] { live }

    public func prepareForLoading(_ layers: [(name: String, layer: any AdapterLayer)], adapter: String) throws {}

    /// Writes `adapter_config.json` into `directory` as PEFT does (sorted keys, indent 2), through a
    /// temporary file renamed into place.
    public func write(to directory: URL) throws {
        let url = directory.appendingPathComponent(AdapterFiles.configFileName)
        do {
            try Data(json.pythonJSONText().utf8).write(to: url, options: .atomic)
        } catch {
            throw TunerError.invalidConfig(path: url.path, reason: "cannot write the file (\(error.localizedDescription))")
        }
    }
}
