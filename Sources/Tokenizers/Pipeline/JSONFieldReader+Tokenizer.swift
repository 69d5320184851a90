import Foundation
import JSON

extension JSONFieldReader {
    /// A reader of the top-level object of the `tokenizer.json` text `data`, whose errors are
    /// `TokenizerError`s naming `source` and the dotted field.
    init(tokenizerFile data: Data, source: String) throws {
        let root: JSONValue
        do { root = try JSONParser.parse(data) } catch {
            throw TokenizerError.malformedJSON(path: source, reason: "invalid JSON (\(error))")
        }
        guard root.members != nil else { throw TokenizerError.malformedJSON(path: source, reason: "the top level is not a JSON object") }
        try self.init(object: root, name: source, source: source) { field, reason in
            TokenizerError.invalidField(path: source, field: field, reason: reason)
        }
    }

    /// The error for a `key` whose value names something lorakit's tokenizer does not implement.
    func unsupported(_ key: String, _ reason: String) -> TokenizerError {
        .unsupported(path: source, field: fieldName(key), reason: reason)
    }

    /// The component's `type` field, e.g. `"WordPiece"` or `"ByteLevel"`.
    func componentType() throws -> String {
        try required("type", string)
    }
}
