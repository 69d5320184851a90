import Foundation

/// Typed, path-aware access to one JSON object of a `tokenizer.json`, so that every missing or
/// mistyped field is reported as a `TokenizerError` naming the file and the field.
struct JSONFields {
    let object: [String: Any]
    /// Dotted location of this object inside the file (`""` for the top level).
    let location: String
    /// Name of the file being read, for error messages.
    let source: String

    init(_ object: [String: Any], location: String = "", source: String) {
        self.object = object
        self.location = location
        self.source = source
    }

    /// The dotted name of `key` inside this object.
    func fieldName(_ key: String) -> String {
        location.isEmpty ? key : "\(location).\(key)"
    }

    func invalid(_ key: String, _ reason: String) -> TokenizerError {
        .invalidField(path: source, field: fieldName(key), reason: reason)
    }

    func unsupported(_ key: String, _ reason: String) -> TokenizerError {
        .unsupported(path: source, field: fieldName(key), reason: reason)
    }

    /// Whether `key` is absent or JSON `null`.
    func isNull(_ key: String) -> Bool {
        object[key] == nil || object[key] is NSNull
    }

    func string(_ key: String) throws -> String {
        guard let value = object[key] as? String else { throw invalid(key, "expected a string") }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        isNull(key) ? nil : try string(key)
    }

    func int(_ key: String) throws -> Int {
        guard let value = object[key] as? Int else { throw invalid(key, "expected an integer") }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        isNull(key) ? nil : try int(key)
    }

    func optionalDouble(_ key: String) throws -> Double? {
        if isNull(key) { return nil }
        guard let value = object[key] as? Double else { throw invalid(key, "expected a number") }
        return value
    }

    func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        if isNull(key) { return defaultValue }
        guard let value = object[key] as? Bool else { throw invalid(key, "expected true or false") }
        return value
    }

    func optionalBool(_ key: String) throws -> Bool? {
        isNull(key) ? nil : try bool(key, default: false)
    }

    func fields(_ key: String) throws -> JSONFields {
        guard let value = object[key] as? [String: Any] else { throw invalid(key, "expected an object") }
        return JSONFields(value, location: fieldName(key), source: source)
    }

    func optionalFields(_ key: String) throws -> JSONFields? {
        isNull(key) ? nil : try fields(key)
    }

    func array(_ key: String) throws -> [Any] {
        guard let value = object[key] as? [Any] else { throw invalid(key, "expected an array") }
        return value
    }

    /// The elements of the array at `key`, each of which must be an object.
    func arrayOfFields(_ key: String) throws -> [JSONFields] {
        try array(key).enumerated().map { index, element in
            guard let value = element as? [String: Any] else {
                throw invalid("\(key)[\(index)]", "expected an object")
            }
            return JSONFields(value, location: fieldName("\(key)[\(index)]"), source: source)
        }
    }

    /// The component's `type` field, e.g. `"WordPiece"` or `"ByteLevel"`.
    func componentType() throws -> String {
        try string("type")
    }
}
