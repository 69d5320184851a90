/// An error a user can cause while building, loading or running a model; its description says
/// what was wrong and what to do.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// The model was built from `config.json` alone and has no weights to compute with.
    case metaModel
    /// A tensor's shape does not fit the module that receives it.
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    /// `config.json` is missing, unreadable or lacks a field.
    case invalidConfig(path: String, reason: String)
    /// The architecture (or `model_type`) is not one lorakit implements.
    case unsupportedArchitecture(String, supported: [String], modelTypes: [String])
    /// The checkpoint lacks tensors the model needs, or has tensors the model does not know.
    case checkpointMismatch(path: String, missing: [String], unexpected: [String])
    /// No module has this name.
    case unknownModule(String, suggestion: String?)
    /// A replacement module cannot take the slot of the one it replaces.
    case incompatibleReplacement(name: String, reason: String)
    /// The inputs do not fit the model.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .metaModel:
            return "the model was loaded without weights (meta mode); load it again without --meta to run it"
        case let .shapeMismatch(name, expected, found):
            return "\(name): expected a tensor of shape \(expected), found \(found)"
        case let .invalidConfig(path, reason):
            return "\(path): \(reason)"
        case let .unsupportedArchitecture(name, supported, modelTypes):
            return "\(name) is not supported; supported architectures: \(supported.joined(separator: ", ")); supported model types: \(modelTypes.joined(separator: ", "))"
        case let .checkpointMismatch(path, missing, unexpected):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing tensors: \(Self.list(missing))") }
            if !unexpected.isEmpty { parts.append("unexpected tensors: \(Self.list(unexpected))") }
            return "\(path) does not fit the model: \(parts.joined(separator: "; ")); is it a checkpoint of this architecture and size?"
        case let .unknownModule(name, suggestion):
            return "no module named \(name)" + (suggestion.map { "; did you mean \($0)?" } ?? "")
        case let .incompatibleReplacement(name, reason):
            return "cannot replace \(name): \(reason)"
        case let .invalidInput(reason):
            return reason
        }
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 6 ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + " and \(names.count - 6) more"
    }
}
