import FileAccess
import Foundation
import JSON

/// Typed reads of a transformers `config.json`, with transformers' defaults for absent keys and
/// errors that name the file and the key. The reads themselves are `JSONFieldReader`'s.
public struct ConfigReader {
    /// The config's members by key.
    public var values: [String: JSONValue] { fields.values }
    /// Where it came from, for messages.
    public let path: String
    private let fields: JSONFieldReader

    public init(values: [String: JSONValue], path: String) {
        self.path = path
        fields = JSONFieldReader(values: values, source: path) { field, reason in
            ModelError.invalidConfig(path: path, reason: "\"\(field)\" \(reason)")
        }
    }

    /// A reader of a config given as plain Swift values (a dictionary literal); values that are no
    /// JSON are left out.
    public init(plain values: [String: Any], path: String) {
        self.init(values: values.compactMapValues { JSONValue(plain: $0) }, path: path)
    }

    /// Reads and parses `config.json` at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.invalidConfig(path: url.path, reason: "cannot read the file: \(FileProblem.reading(url, error: error)); a model directory needs a config.json")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(data) } catch {
            throw ModelError.invalidConfig(path: url.path, reason: "not valid JSON (\(error)); is it a transformers config.json?")
        }
        guard let members = json.members else {
            throw ModelError.invalidConfig(path: url.path, reason: "not a JSON object; is it a transformers config.json?")
        }
        self.init(values: Dictionary(members, uniquingKeysWith: { _, last in last }), path: url.path)
    }

    private func present<T>(_ key: String, _ value: T?, default fallback: T?) throws -> T {
        guard let value = value ?? fallback else { throw ModelError.invalidConfig(path: path, reason: "the key \"\(key)\" is missing") }
        return value
    }

    public func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        try present(key, fields.int(key), default: fallback)
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
        try fields.int(key)
    }

    public func double(_ key: String, default fallback: Double? = nil) throws -> Double {
        try present(key, fields.double(key), default: fallback)
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        try fields.double(key)
    }

    /// A list of strings (`layer_types`), or nil when absent.
    public func optionalStrings(_ key: String) throws -> [String]? {
        try fields.strings(key)
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        try fields.bool(key) ?? fallback
    }

    public func string(_ key: String, default fallback: String? = nil) throws -> String {
        try present(key, fields.string(key), default: fallback)
    }

    /// The nested object under `key`, read with the same rules, or nil when it is no object.
    public func nested(_ key: String) -> ConfigReader? {
        values[key]?.members.map { ConfigReader(values: Dictionary($0, uniquingKeysWith: { _, last in last }), path: "\(path) (\(key))") }
    }
}
