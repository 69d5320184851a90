import JSON
import Foundation

/// PEFT's `PEFT_TYPE_TO_CONFIG_MAPPING`: reads an adapter config as the config of the registered
/// method its `peft_type` names (LoRA when it names none).
public enum PeftConfigs {
    /// Reads `adapter_config.json`.
    public static func read(contentsOf url: URL) throws -> any PeftConfig {
        try decode(contents(of: url), source: url.path) { try config(json: $0) }
    }

    /// Reads a config from the text of an `adapter_config.json` (or the same keys from elsewhere, such
    /// as a training recipe); `source` names it in errors. A training run passes its number of steps
    /// as `totalStepIfMissing`, AdaLoRA's `total_step` when the config gives none (as PEFT's users
    /// set `total_step` to the length of their loop).
    public static func read(jsonData data: Data, source: String, totalStepIfMissing: Int? = nil) throws -> any PeftConfig {
        try decode(data, source: source) { try config(json: $0, totalStepIfMissing: totalStepIfMissing) }
    }

    /// The config of the method `json`'s `peft_type` names.
    public static func config(json: JSONValue, totalStepIfMissing: Int? = nil) throws -> any PeftConfig {
        let peftType = json.members?.last { $0.key == "peft_type" }?.value
        guard case let .string(name)? = peftType else { return try PeftMethod.lora.config(json: json) }
        let known = PeftMethods.all.map(\.peftType.rawValue).joined(separator: ", ")
        guard let type = PeftType(peftString: name) else {
            throw TunerError.invalidValue(field: "peft_type", reason: "\(name) is not a PEFT method lorakit knows (\(PeftType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let method = PeftMethods.method(type) else {
            throw TunerError.notYetSupported("peft_type \(type.rawValue) (lorakit reads \(known) adapters so far)")
        }
        return try method.config(json: json, totalStepIfMissing: totalStepIfMissing)
    }

    /// The bytes of a config file, or an error saying an adapter folder needs one.
    static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw TunerError.invalidConfig(path: url.path, reason: "cannot read the file; an adapter folder needs an adapter_config.json")
        }
    }

    /// Parses `data` and builds a config with `make`; every error names `source`.
    static func decode<Config>(_ data: Data, source: String, _ make: (JSONValue) throws -> Config) throws -> Config {
        do {
            return try make(JSONValue.parse(data, path: source))
        } catch let error as TunerError {
            if case .invalidConfig = error { throw error }
            throw TunerError.invalidConfig(path: source, reason: error.description)
        }
    }
}
