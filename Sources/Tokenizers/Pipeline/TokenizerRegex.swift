import JSON
import Foundation

/// A regular expression of a `tokenizer.json` (`{"Regex": ...}` patterns of Split, Replace),
/// matched over Unicode scalars. ICU's engine (NSRegularExpression) is a backtracking engine with
/// the syntax the crate's Oniguruma patterns use: `\p{L}`, `\p{N}`, lookahead, `(?i:...)`, and
/// `\s` as the Unicode White_Space property.
struct TokenizerRegex {
    let pattern: String
    private let expression: NSRegularExpression

    /// Compiles `pattern`; `fields` and `key` name where it came from if it does not compile.
    init(_ pattern: String, fields: JSONFieldReader, key: String) throws {
        self.pattern = pattern
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw fields.invalid(key, "\"\(pattern)\" is not a valid regular expression")
        }
    }

    /// The ranges of the non-overlapping matches in `scalars`, leftmost first, in scalar indices.
    func matches(in scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        guard !scalars.isEmpty else { return [] }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        let string = String(text)
        // Scalar index of every UTF-16 offset that starts a scalar.
        var scalarAt = [Int](repeating: 0, count: string.utf16.count + 1)
        var offset = 0
        for (index, scalar) in scalars.enumerated() {
            scalarAt[offset] = index
            offset += UTF16.width(scalar)
        }
        scalarAt[offset] = scalars.count
        let base = scalars.startIndex
        return expression.matches(in: string, range: NSRange(location: 0, length: offset)).map {
            (base + scalarAt[$0.range.lowerBound])..<(base + scalarAt[$0.range.upperBound])
        }
    }
}
