import JSON

/// The recipe's reads on top of `JSONFieldReader`: YAML's scalars as the recipe takes them, ranges,
/// and errors that name the recipe file and the key.
extension JSONFieldReader {
    /// A reader of a recipe's values; errors are `RecipeError`s naming `source`.
    init(recipe values: [String: JSONValue], source: String) {
        self.init(values: values, source: source) { field, reason in
            RecipeError("\(source): \(field) \(reason)")
        }
    }

    /// A text value. YAML gives a name that looks like a number or a boolean as one: a number is
    /// taken as written (`model: 1` is "1"), a boolean as `true` or `false` (YAML 1.1's `on`, `yes`
    /// included, so such a name must be quoted).
    func text(_ key: String) throws -> String? {
        switch value(key) {
        case nil: return nil
        case let .string(text)?, let .number(text)?: return text
        case let .bool(flag)?: return flag ? "true" : "false"
        case let other?: throw invalid(key, "must be text, not \(other.typeName)")
        }
    }

    /// A whole number of at least `minimum`.
    func int(_ key: String, atLeast minimum: Int) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let n = value.integer, n >= minimum else { throw invalid(key, "must be a whole number ≥ \(minimum), got \(Self.shown(value))") }
        return n
    }

    /// A number in `range`; text that spells one where JSON would not (a quoted `".5"` or `"+1e-4"`)
    /// is taken as that number (`1e-4`, plain or quoted, already is one: Yams reads it as a float, and
    /// `PartialRecipe` a quoted JSON number as the number).
    func double(_ key: String, in range: Range<Double>) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue ?? value.stringValue.flatMap(Double.init), range.contains(number) else {
            throw invalid(key, "must be a number in \(range), got \(Self.shown(value))")
        }
        return number
    }

    private static func shown(_ value: JSONValue) -> String {
        switch value {
        case let .string(text), let .number(text): return text
        default: return value.pythonJSONText()
        }
    }
}
