import Foundation

/// A regular expression used the way PEFT's Python code uses `re`: `fullmatch` (the whole name must
/// match, with backtracking into alternatives) and `match` (anchored at the start). ICU's syntax
/// agrees with Python's for the patterns PEFT configs use (classes, groups, alternation, `\d`, `\.`).
struct PythonRegex {
    let pattern: String
    private let whole: NSRegularExpression
    private let prefix: NSRegularExpression

    /// Compiles `pattern`; the error says which config field held it.
    init(_ pattern: String, field: String) throws {
        self.pattern = pattern
        do {
            whole = try NSRegularExpression(pattern: "(?:\(pattern))\\z")
            prefix = try NSRegularExpression(pattern: pattern)
        } catch {
            throw TunerError.invalidValue(field: field, reason: "\"\(pattern)\" is not a valid regular expression")
        }
    }

    /// Python's `re.fullmatch(pattern, text) is not None`.
    func fullMatches(_ text: String) -> Bool {
        whole.firstMatch(in: text, options: .anchored, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Python's `re.match(pattern, text)`: the captured groups of a match at the start, or nil.
    func matchAtStart(_ text: String) -> [String?]? {
        guard let match = prefix.firstMatch(in: text, options: .anchored, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (0 ..< match.numberOfRanges).map { index in
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
    }
}
