import JSON

/// `Split`: splits at the matches of a literal or a regex, treating them as `behavior` says;
/// `invert` makes the matches the pieces and the text between them the delimiters.
struct SplitPreTokenizer: PreTokenizer {
    let pattern: SplitPattern
    let behavior: SplitBehavior
    let invert: Bool

    init(fields: JSONFieldReader) throws {
        pattern = try SplitPattern(fields: fields)
        behavior = try SplitBehavior(fields: fields)
        invert = try (fields.bool("invert") ?? false)
    }

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        behavior.split(text, at: pattern.matches(in: text.scalars), invert: invert, into: &words)
    }
}
