/// The pre-tokenization regex of Llama-3 (OpenAI's cl100k) and, with one digit per piece instead
/// of up to three, of Qwen2, matched by hand over Unicode scalars:
///
///     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
///
/// Alternatives are tried in order at each position, with the backtracking a regex engine does
/// spelled out. Every character starts a match, so the matches cover the text without gaps.
struct Llama3SplitPattern {
    /// Llama-3's pattern text, as its `tokenizer.json` spells it.
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    /// Qwen2's pattern text: Llama-3's with `\p{N}` for `\p{N}{1,3}`.
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The most digits one match of `\p{N}{1,maxDigits}` takes.
    let maxDigits: Int

    /// The consecutive ranges of `scalars` the pattern matches.
    func pieces(of scalars: [Unicode.Scalar]) -> [Range<Int>] {
        scalars.withUnsafeBufferPointer { text in
            var pieces: [Range<Int>] = []
            pieces.reserveCapacity(text.count / 3 + 1)
            var start = 0
            while start < text.count {
                let end = matchEnd(in: text, from: start)
                pieces.append(start..<end)
                start = end
            }
            return pieces
        }
    }

    /// Where the match starting at `start` ends.
    private func matchEnd(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int) -> Int {
        let first = text[start]
        let firstClass = first.splitClass
        switch firstClass {
        case .letter:
            // `[^\r\n\p{L}\p{N}]?\p{L}+` with the optional part empty.
            return runEnd(in: text, from: start + 1, of: .letter)
        case .number:
            var end = start + 1
            while end < text.count && end - start < maxDigits && text[end].splitClass == .number { end += 1 }
            return end
        case .whitespace, .other:
            if first == "'", let end = contractionEnd(in: text, from: start) { return end }
            // `[^\r\n\p{L}\p{N}]\p{L}+`: one character that is neither a line break, a letter nor
            // a number, then letters.
            let isLineBreak = first == "\r" || first == "\n"
            if !isLineBreak && start + 1 < text.count && text[start + 1].splitClass == .letter {
                return runEnd(in: text, from: start + 2, of: .letter)
            }
            if firstClass == .other { return punctuationEnd(in: text, from: start) }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*` after a space.
            if first == " " && start + 1 < text.count && text[start + 1].splitClass == .other {
                return punctuationEnd(in: text, from: start + 1)
            }
            return whitespaceMatchEnd(in: text, from: start)
        }
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at `start`, which holds an apostrophe.
    private func contractionEnd(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int) -> Int? {
        guard start + 1 < text.count else { return nil }
        let second = Self.caseFolded(text[start + 1])
        switch second {
        case "s", "t", "m", "d": return start + 2
        case "r", "v", "l":
            guard start + 2 < text.count else { return nil }
            let third = Self.caseFolded(text[start + 2])
            let expected: Unicode.Scalar = second == "l" ? "l" : "e"
            return third == expected ? start + 3 : nil
        default: return nil
        }
    }

    /// The letter a contraction's character matches case-insensitively: ASCII upper case as lower
    /// case, and LATIN SMALL LETTER LONG S as `s` (its case folding), the rest as itself.
    private static func caseFolded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value &- 0x41 < 26 { return Unicode.Scalar(scalar.value | 0x20)! }
        return scalar == "\u{17F}" ? "s" : scalar
    }

    /// `[^\s\p{L}\p{N}]+[\r\n]*` at `start`, which holds such a character.
    private func punctuationEnd(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int) -> Int {
        var end = runEnd(in: text, from: start + 1, of: .other)
        while end < text.count && (text[end] == "\r" || text[end] == "\n") { end += 1 }
        return end
    }

    /// `\s*[\r\n]+|\s+(?!\S)|\s+` at `start`, which holds whitespace. If the whitespace run holds
    /// a line break, the match ends after the last one; otherwise it is the whole run if the run
    /// ends the text or is one character, else the run but its last character.
    private func whitespaceMatchEnd(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int) -> Int {
        let end = runEnd(in: text, from: start + 1, of: .whitespace)
        var lastBreak = end - 1
        while lastBreak >= start && text[lastBreak] != "\r" && text[lastBreak] != "\n" { lastBreak -= 1 }
        if lastBreak >= start { return lastBreak + 1 }
        if end == text.count || end - start == 1 { return end }
        return end - 1
    }

    private func runEnd(in text: UnsafeBufferPointer<Unicode.Scalar>, from start: Int, of scalarClass: SplitScalarClass) -> Int {
        var end = start
        while end < text.count && text[end].splitClass == scalarClass { end += 1 }
        return end
    }
}
