import JSON
import Tuners

/// One field of a method's config as the form and `config set` present it: PEFT's key, its
/// default, and a line of help.
public struct ConfigField: Sendable, Equatable {
    public let key: String
    public let defaultValue: JSONValue
    public let help: String
}

extension PeftMethod {
    /// The config form's fields, in the order shown, each with the default of the method's config
    /// (PEFT's) and the method's help.
    public var fields: [ConfigField] {
        let defaults = Dictionary(defaultConfig.json.members ?? [], uniquingKeysWith: { _, last in last })
        return configFields.map { ConfigField(key: $0.key, defaultValue: defaults[$0.key] ?? .null, help: $0.help) }
    }
}
