/// GPT-2's pre-tokenization regex, matched by hand over Unicode scalars:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Alternatives are tried in order at each position, as a backtracking regex engine does. The
/// pattern matches every character, so the pieces cover the text without gaps.
enum GPT2SplitPattern {
    /// The pattern text, as a `Split` pre-tokenizer's `Regex` spells it.
    static let pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"]
        .map { Array($0.unicodeScalars) }

    /// The consecutive ranges of `scalars` the pattern matches.
    static func pieces(of scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = 0
        while start < scalars.count {
            let end = matchEnd(in: scalars, from: start)
            pieces.append(start..<end)
            start = end
        }
        return pieces
    }

    /// Where the match starting at `start` ends.
    private static func matchEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int {
        if let end = contractionEnd(in: scalars, from: start) { return end }

        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        let classStart = scalars[start] == " " ? start + 1 : start
        if classStart < scalars.count {
            let first = scalars[classStart]
            let inClass: (Unicode.Scalar) -> Bool
            if first.isLetter {
                inClass = { $0.isLetter }
            } else if first.isNumber {
                inClass = { $0.isNumber }
            } else if !first.isTokenizerWhitespace {
                inClass = { !$0.isTokenizerWhitespace && !$0.isLetter && !$0.isNumber }
            } else {
                return whitespaceMatchEnd(in: scalars, from: start)
            }
            return runEnd(in: scalars, from: classStart, while: inClass)
        }
        return whitespaceMatchEnd(in: scalars, from: start)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `start`.
    private static func contractionEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard scalars[start] == "'" else { return nil }
        for suffix in contractions {
            let end = start + 1 + suffix.count
            if end <= scalars.count && scalars[(start + 1)..<end].elementsEqual(suffix) { return end }
        }
        return nil
    }

    /// `\s+(?!\S)|\s+` at `start` (which holds whitespace): the whole run if it ends the text or
    /// is a single character, otherwise the run but its last character, which is left to start
    /// the next piece (a space followed by a word joins that word).
    private static func whitespaceMatchEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int {
        let end = runEnd(in: scalars, from: start) { $0.isTokenizerWhitespace }
        if end == scalars.count || end - start == 1 { return end }
        return end - 1
    }

    private static func runEnd(in scalars: [Unicode.Scalar], from start: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
        var end = start
        while end < scalars.count && predicate(scalars[end]) { end += 1 }
        return end
    }
}
