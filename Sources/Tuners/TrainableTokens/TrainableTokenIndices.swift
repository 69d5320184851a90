import JSON

/// PEFT's `trainable_token_indices`: the token ids whose embedding rows train (TrainableTokens
/// beside another method). A list names rows of the input embedding; an object maps module names
/// (matched as suffixes of full names, as PEFT's `_set_trainable` does) to their ids.
public enum TrainableTokenIndices: Sendable, Equatable {
    /// `[ids]`: rows of the model's input embedding.
    case inputEmbedding([Int])
    /// `{module: [ids]}`, in file order.
    case modules([Target])

    /// One entry of the object form.
    public struct Target: Sendable, Equatable {
        public var name: String
        public var ids: [Int]

        public init(name: String, ids: [Int]) {
            self.name = name
            self.ids = ids
        }
    }

    static let field = "trainable_token_indices"

    /// Reads the list or object form; null means none.
    init?(json: JSONValue) throws {
        switch json {
        case .null: return nil
        case .array: self = .inputEmbedding(try Self.ids(json, of: nil))
        case let .object(members):
            guard !members.isEmpty else {
                throw TunerError.invalidValue(field: Self.field, reason: "the object names no module; give {\"embed_tokens\": [ids]} or a list of ids")
            }
            self = .modules(try members.map { Target(name: $0.key, ids: try Self.ids($0.value, of: $0.key)) })
        default:
            throw TunerError.invalidValue(field: Self.field, reason: "must be a list of token ids or an object mapping module names to lists of token ids, not \(json.typeName)")
        }
    }

    private static func ids(_ json: JSONValue, of module: String?) throws -> [Int] {
        let place = module.map { " for \($0)" } ?? ""
        guard case let .array(items) = json else {
            throw TunerError.invalidValue(field: field, reason: "the token ids\(place) must be a list of integers, not \(json.typeName)")
        }
        return try items.map { item in
            guard let number = item.doubleValue, let id = Int(exactly: number), id >= 0 else {
                throw TunerError.invalidValue(field: field, reason: "the token ids\(place) must be non-negative integers; \(item.pythonJSONText()) is not one")
            }
            return id
        }
    }

    /// The JSON PEFT writes.
    var json: JSONValue {
        switch self {
        case let .inputEmbedding(ids): return .array(ids.map { .int($0) })
        case let .modules(modules): return .object(modules.map { ($0.name, .array($0.ids.map { .int($0) })) })
        }
    }
}
