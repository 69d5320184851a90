import JSON

/// Which modules a config names, as PEFT's `target_modules` / `exclude_modules` accept them: a list
/// of names (a module matches if its full name equals one or ends in "." + one), a regular expression
/// that must match the whole name, or `"all-linear"`.
public enum TargetModules: Equatable, Sendable {
    case names([String])
    case pattern(String)
    /// Every Linear/Conv1D except the output layer; expanded to `.names` of full module names when
    /// the adapter is injected (condensed to suffixes when there are 20 or more), and saved that
    /// way, as PEFT does.
    case allLinear

    /// The JSON form PEFT writes: a list, or a string.
    var json: JSONValue {
        switch self {
        case let .names(names): return .strings(names)
        case let .pattern(pattern): return .string(pattern)
        case .allLinear: return .string(TargetModules.allLinearShorthand)
        }
    }

    /// PEFT's `INCLUDE_LINEAR_LAYERS_SHORTHAND`.
    static let allLinearShorthand = "all-linear"

    /// Reads a list or string; nil for JSON null.
    init?(json: JSONValue, field: String) throws {
        switch json {
        case .null: return nil
        case let .string(text): self = text.lowercased() == Self.allLinearShorthand ? .allLinear : .pattern(text)
        case let .array(items):
            self = .names(try items.map {
                guard case let .string(name) = $0 else { throw TunerError.invalidValue(field: field, reason: "list entries must be module names (strings)") }
                return name
            })
        default: throw TunerError.invalidValue(field: field, reason: "must be a list of module names or a regular expression string")
        }
    }
}

/// The fields every method's config uses to choose modules, under PEFT's names.
public protocol TargetingConfig {
    var targetModules: TargetModules? { get }
    var excludeModules: TargetModules? { get }
    /// Modules wrapped as trainable, saved copies; never adapter targets.
    var modulesToSave: [String]? { get }
    /// Layer indices to adapt (`layers_to_transform`), nil for all.
    var layersToTransform: [Int]? { get }
    /// Names of the layer lists (`layers_pattern`), e.g. `layers`, `h`.
    var layersPattern: [String]? { get }
}
