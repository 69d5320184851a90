import FileAccess
import Foundation

/// Typed reads of a transformers `config.json`, with transformers' defaults for absent keys and
/// errors that name the file and the key.
public struct ConfigReader {
    /// The parsed JSON object.
    public let values: [String: Any]
    /// Where it came from, for messages.
    public let path: String

    public init(values: [String: Any], path: String) {
        self.values = values
        self.path = path
    }

    /// Reads and parses `config.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.invalidConfig(path: url.path, reason: "cannot read the file: \(FileProblem.reading(url, error: error)); a model directory needs a config.json")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let values = object as? [String: Any] else {
            throw ModelError.invalidConfig(path: url.path, reason: "not a JSON object; is it a transformers config.json?")
        }
        self.init(values: values, path: url.path)
    }

    public func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        switch values[key] {
        case let n as NSNumber where !Self.isBool(n) && n.doubleValue == n.doubleValue.rounded() && abs(n.doubleValue) < 0x1p62: return n.intValue
        case nil, is NSNull:
            if let fallback { return fallback }
            throw ModelError.invalidConfig(path: path, reason: "the key \"\(key)\" is missing")
        default: throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be an integer")
        }
    }

    /// The largest width, vocabulary or count of positions a config may give: far above any real
    /// model, low enough that no parameter count can overflow.
    public static let sizeLimit = 1 << 20
    /// The most layers a config may give.
    public static let layerLimit = 1 << 12

    /// A size of the model (a width, a vocabulary, a number of layers or heads): an integer in
    /// `minimum ... limit`, or an error naming the key and the range.
    public func size(_ key: String, default fallback: Int? = nil, minimum: Int = 1, limit: Int = ConfigReader.sizeLimit) throws -> Int {
        try checkedSize(key, int(key, default: fallback), minimum: minimum, limit: limit)
    }

    /// `size` for a key that may be absent (nil).
    public func optionalSize(_ key: String, minimum: Int = 1, limit: Int = ConfigReader.sizeLimit) throws -> Int? {
        try optionalInt(key).map { try checkedSize(key, $0, minimum: minimum, limit: limit) }
    }

    private func checkedSize(_ key: String, _ value: Int, minimum: Int, limit: Int) throws -> Int {
        guard (minimum ... limit).contains(value) else {
            throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be between \(minimum) and \(limit), got \(value)")
        }
        return value
    }

    public func optionalInt(_ key: String) throws -> Int? {
        values[key] == nil || values[key] is NSNull ? nil : try int(key)
    }

    public func double(_ key: String, default fallback: Double? = nil) throws -> Double {
        switch values[key] {
        case let n as NSNumber where !Self.isBool(n): return n.doubleValue
        case nil, is NSNull:
            if let fallback { return fallback }
            throw ModelError.invalidConfig(path: path, reason: "the key \"\(key)\" is missing")
        default: throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be a number")
        }
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        values[key] == nil || values[key] is NSNull ? nil : try double(key)
    }

    /// A list of strings (`layer_types`), or nil when absent.
    public func optionalStrings(_ key: String) throws -> [String]? {
        switch values[key] {
        case nil, is NSNull: return nil
        case let list as [Any]:
            return try list.map { item in
                guard let text = item as? String else { throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be a list of strings") }
                return text
            }
        default: throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be a list of strings")
        }
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        switch values[key] {
        case let n as NSNumber where Self.isBool(n): return n.boolValue
        case nil, is NSNull: return fallback
        default: throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be true or false")
        }
    }

    public func string(_ key: String, default fallback: String? = nil) throws -> String {
        switch values[key] {
        case let s as String: return s
        case nil, is NSNull:
            if let fallback { return fallback }
            throw ModelError.invalidConfig(path: path, reason: "the key \"\(key)\" is missing")
        default: throw ModelError.invalidConfig(path: path, reason: "\"\(key)\" must be a string")
        }
    }

    /// The nested object under `key`, read with the same rules.
    public func nested(_ key: String) -> ConfigReader? {
        (values[key] as? [String: Any]).map { ConfigReader(values: $0, path: "\(path) (\(key))") }
    }

    /// Whether JSON gave `true`/`false` rather than a number (Foundation boxes both as NSNumber;
    /// booleans have the `char` encoding, which JSON numbers never get).
    private static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }
}
