import Foundation
import Tuners

/// One field of a method's config as the form and `config set` present it: PEFT's key, its
/// default (JSON text), and a line of help.
public struct ConfigField: Sendable, Equatable {
    public let key: String
    public let defaultValue: String
    public let help: String
}

extension PeftMethod {
    /// The config form's fields, in the order shown, each with the default of the method's config
    /// (PEFT's) and the method's help.
    public var fields: [ConfigField] {
        let defaults = Self.defaults(of: defaultConfig)
        return configFields.map { ConfigField(key: $0.key, defaultValue: defaults[$0.key] ?? "null", help: $0.help) }
    }

    /// The default value of every key of `config`'s JSON, as JSON text.
    static func defaults(of config: any PeftConfig) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(config.jsonText.utf8))) as? [String: Any] ?? [:]
        return object.mapValues(ConfigDraft.jsonText)
    }
}
