import JSON

/// One PEFT method as lorakit knows it, what PEFT's `register_peft_method` records: its
/// `peft_type`, how its config is read from `adapter_config.json`, its config with PEFT's defaults,
/// and its config fields with their help, in the order a form shows them. Everything else a method
/// does is in its config (`PeftConfig`) and its layers (`AdapterLayer`). Each method folder defines
/// its own `PeftMethod` value; `PeftMethods.all` registers it.
public struct PeftMethod: Sendable, Equatable, CustomStringConvertible {
    public let peftType: PeftType
    /// The fields a user sets, with help, in form order.
    public let configFields: [PeftConfigField]
    private let makeDefault: @Sendable () -> any PeftConfig
    private let read: @Sendable (JSONValue, Int?) throws -> any PeftConfig

    /// A method; `read` gets the config's JSON and a training run's step count (for fields such as
    /// AdaLoRA's `total_step` that default to it).
    init(_ peftType: PeftType, fields: [PeftConfigField], defaultConfig: @escaping @Sendable () -> any PeftConfig,
         read: @escaping @Sendable (JSONValue, Int?) throws -> any PeftConfig) {
        self.peftType = peftType
        configFields = fields
        makeDefault = defaultConfig
        self.read = read
    }

    /// The lower-case name the workbench and recipes use (`lora`, `loha`).
    public var name: String { peftType.rawValue.lowercased() }

    public var description: String { name }

    /// A config with PEFT's defaults.
    public var defaultConfig: any PeftConfig { makeDefault() }

    /// The config of this method in `json`, validated.
    public func config(json: JSONValue, totalStepIfMissing: Int? = nil) throws -> any PeftConfig {
        try read(json, totalStepIfMissing)
    }

    public static func == (lhs: PeftMethod, rhs: PeftMethod) -> Bool { lhs.peftType == rhs.peftType }
}

/// A config field as a form presents it: PEFT's JSON key and a line of help.
public struct PeftConfigField: Sendable, Equatable {
    public let key: String
    public let help: String

    public init(_ key: String, _ help: String) {
        self.key = key
        self.help = help
    }
}

/// The methods lorakit implements: one registration line each.
public enum PeftMethods {
    public static let all: [PeftMethod] = [
        .lora,
        .adalora,
        .loha,
        .lokr,
        .vblora,
        .randlora,
    ]

    /// The registered method of `peftType`, if lorakit implements it.
    public static func method(_ peftType: PeftType) -> PeftMethod? {
        all.first { $0.peftType == peftType }
    }

    /// The registered method called `name` (any case), if any.
    public static func method(named name: String) -> PeftMethod? {
        all.first { $0.name == name.lowercased() }
    }
}
