import Foundation

extension JSONValue {
    /// The JSON value of a plain Swift value as YAML readers, `JSONSerialization` and dictionary
    /// literals give them (`String`, `Bool`, `Int`, `Double`, `NSNumber`, `NSNull`, arrays and
    /// string-keyed dictionaries, whose members are sorted by key), or nil for anything else.
    public init?(plain value: Any) {
        switch value {
        case let text as String: self = .string(text)
        case let flag as Bool where type(of: value) == Bool.self: self = .bool(flag)
        case let integer as Int where type(of: value) == Int.self: self = .int(integer)
        case let double as Double where type(of: value) == Double.self: self = .double(double)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else if let integer = Int(exactly: number.doubleValue), !"fd".contains(String(cString: number.objCType)) {
                self = .int(integer)
            } else {
                self = .double(number.doubleValue)
            }
        case is NSNull: self = .null
        case let list as [Any]:
            var elements: [JSONValue] = []
            for item in list {
                guard let element = JSONValue(plain: item) else { return nil }
                elements.append(element)
            }
            self = .array(elements)
        case let dictionary as [String: Any]:
            var members: [(key: String, value: JSONValue)] = []
            for (key, item) in dictionary.sorted(by: { $0.key < $1.key }) {
                guard let member = JSONValue(plain: item) else { return nil }
                members.append((key, member))
            }
            self = .object(members)
        default: return nil
        }
    }
}
