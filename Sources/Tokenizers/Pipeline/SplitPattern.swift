import JSON

/// What a Split pre-tokenizer or a Replace normalizer looks for: `{"String": s}` (the literal
/// text) or `{"Regex": r}`. The regexes of GPT-2, Llama-3 and Qwen2, recognised by their exact
/// text, are matched by hand-written scanners that give the regex's matches; any other goes
/// through the general regex engine.
enum SplitPattern {
    case literal([Unicode.Scalar])
    case regex(TokenizerRegex)
    /// A regex whose matches cover the text, found by a scanner.
    case scanned(([Unicode.Scalar]) -> [Range<Int>])

    init(fields: JSONFieldReader, key: String = "pattern") throws {
        let pattern = try fields.required(key, fields.fields)
        if let literal = try pattern.string("String") {
            self = .literal(Array(literal.unicodeScalars))
        } else if let regex = try pattern.string("Regex") {
            if let scanner = Self.scanner(for: regex) {
                self = .scanned(scanner)
            } else {
                self = .regex(try TokenizerRegex(regex, fields: pattern, key: "Regex"))
            }
        } else {
            throw fields.invalid(key, "expected {\"String\": ...} or {\"Regex\": ...}")
        }
    }

    /// The hand-written scanner for the regex `pattern`, if it is one lorakit has.
    static func scanner(for pattern: String) -> (([Unicode.Scalar]) -> [Range<Int>])? {
        switch pattern {
        case GPT2SplitPattern.pattern: return GPT2SplitPattern.pieces
        case Llama3SplitPattern.llama3: return Llama3SplitPattern(maxDigits: 3).pieces
        case Llama3SplitPattern.qwen2: return Llama3SplitPattern(maxDigits: 1).pieces
        default: return nil
        }
    }

    /// The non-overlapping matches in `scalars`, leftmost first (an empty literal matches nothing).
    func matches(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        switch self {
        case let .regex(regex):
            return regex.matches(in: scalars[...])
        case let .scanned(scanner):
            return scanner(scalars)
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
