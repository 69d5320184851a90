import JSON

/// What a Split pre-tokenizer or a Replace normalizer looks for: `{"String": s}` (the literal
/// text) or `{"Regex": r}`.
enum SplitPattern {
    case literal([Unicode.Scalar])
    case regex(TokenizerRegex)

    init(fields: JSONFieldReader, key: String = "pattern") throws {
        let pattern = try fields.required(key, fields.fields)
        if let literal = try pattern.string("String") {
            self = .literal(Array(literal.unicodeScalars))
        } else if let regex = try pattern.string("Regex") {
            self = .regex(try TokenizerRegex(regex, fields: pattern, key: "Regex"))
        } else {
            throw fields.invalid(key, "expected {\"String\": ...} or {\"Regex\": ...}")
        }
    }

    /// The non-overlapping matches in `scalars`, leftmost first (an empty literal matches nothing).
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        switch self {
        case let .regex(regex):
            return regex.matches(in: scalars[...])
        case let .literal(literal):
            guard let first = literal.first else { return [] }
            var matches: [Range<Int>] = []
            var start = 0
            while start + literal.count <= scalars.count {
                if scalars[start] == first && scalars[start..<(start + literal.count)].elementsEqual(literal) {
                    matches.append(start..<(start + literal.count))
                    start += literal.count
                } else {
                    start += 1
                }
            }
            return matches
        }
    }
}
