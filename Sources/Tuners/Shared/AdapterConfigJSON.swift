import Foundation
import JSON

extension JSONValue {
    /// Parses the JSON text of an adapter config; the error names `path`.
    static func parse(_ data: Data, path: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(data)
        } catch let failure as JSONParser.Failure {
            throw TunerError.invalidConfig(path: path, reason: "not valid JSON: \(failure.reason)")
        }
    }
}

extension JSONFieldReader {
    /// A reader of an `adapter_config.json` object whose errors are `TunerError.invalidValue` naming the field.
    init(object json: JSONValue) throws {
        try self.init(object: json, name: "adapter_config.json", problem: Self.adapterConfigProblem)
    }

    /// A reader of the members of an `adapter_config.json` object (none when `json` is no object).
    init(membersOf json: JSONValue) {
        self.init(values: Dictionary(json.members ?? [], uniquingKeysWith: { _, last in last }))
    }

    /// A reader of adapter config members whose errors are `TunerError.invalidValue` naming the field.
    init(values: [String: JSONValue]) {
        self.init(values: values, problem: Self.adapterConfigProblem)
    }

    private static func adapterConfigProblem(field: String, reason: String) -> Error {
        TunerError.invalidValue(field: field, reason: reason)
    }
}
