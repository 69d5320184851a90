/// An error a user can cause while configuring, injecting, merging, saving or loading adapters; its
/// description says what was wrong and what to do.
public enum TunerError: Error, CustomStringConvertible, Equatable {
    /// `adapter_config.json` is missing, unreadable or not what lorakit can use.
    case invalidConfig(path: String, reason: String)
    /// A config field has a value PEFT (or lorakit) refuses.
    case invalidValue(field: String, reason: String)
    /// A PEFT feature lorakit does not implement yet.
    case notYetSupported(String)
    /// The config selects no module of the model.
    case noMatchingModules(String)
    /// A selected module is of a kind the method cannot adapt.
    case unsupportedModule(name: String, reason: String)
    /// An adapter name that is unknown, or already taken.
    case unknownAdapter(String, available: [String])
    case duplicateAdapter(String)
    /// The adapter file does not fit the model.
    case adapterMismatch(path: String, reason: String)
    /// An operation that the adapters' current state does not allow (merging twice, no active adapter).
    case invalidState(String)
    /// Merging produced NaN or infinite values (`safe_merge`).
    case brokenMerge(adapter: String, module: String)

    public var description: String {
        switch self {
        case let .invalidConfig(path, reason): return "\(path): \(reason)"
        case let .invalidValue(field, reason): return "\(field): \(reason)"
        case let .notYetSupported(what): return "\(what) is not yet supported by lorakit"
        case let .noMatchingModules(message): return message
        case let .unsupportedModule(name, reason): return "cannot adapt \(name): \(reason)"
        case let .unknownAdapter(name, available):
            return "no adapter named \(name); adapters: " + (available.isEmpty ? "(none)" : available.joined(separator: ", "))
        case let .duplicateAdapter(name): return "an adapter named \(name) already exists; choose another name or delete it first"
        case let .adapterMismatch(path, reason): return "\(path) does not fit the model: \(reason)"
        case let .invalidState(message): return message
        case let .brokenMerge(adapter, module):
            return "NaNs detected in the merged weights of \(module). The adapter \(adapter) seems to be broken; nothing was merged into that module"
        }
    }
}
