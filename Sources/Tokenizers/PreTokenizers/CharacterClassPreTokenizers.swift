import JSON

/// The ranges of the single scalars of `text` that satisfy `predicate`: the matches of a
/// character-class pattern, as the crate finds them (one match per character).
private func scalarMatches(in text: NormalizedText, where predicate: (Unicode.Scalar) -> Bool) -> [Range<Int>] {
    text.scalars.indices.filter { predicate(text.scalars[$0]) }.map { $0..<($0 + 1) }
}

/// `Digits`: numeric characters apart from the rest, each on its own with `individual_digits`,
/// else in runs.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    init(fields: JSONFieldReader) throws {
        individualDigits = try (fields.bool("individual_digits") ?? false)
    }

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        let behavior: SplitBehavior = individualDigits ? .isolated : .contiguous
        behavior.split(text, at: scalarMatches(in: text, where: \.isNumber), into: &words)
    }
}

/// `Punctuation`: every punctuation character (ASCII punctuation or Unicode P*) split off as
/// `behavior` says (isolated by default).
struct PunctuationPreTokenizer: PreTokenizer {
    let behavior: SplitBehavior

    init(fields: JSONFieldReader) throws {
        behavior = fields.isNull("behavior") ? .isolated : try SplitBehavior(fields: fields)
    }

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        behavior.split(text, at: scalarMatches(in: text, where: \.isBertPunctuation), into: &words)
    }
}

/// `WhitespaceSplit`: splits on whitespace, which is dropped.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        SplitBehavior.removed.split(text, at: scalarMatches(in: text, where: \.isTokenizerWhitespace), into: &words)
    }
}

/// `Whitespace`: the matches of `\w+|[^\w\s]+` (runs of word characters and runs of other
/// non-space characters); whitespace is dropped.
struct WhitespacePreTokenizer: PreTokenizer {
    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        var runs: [Range<Int>] = []
        let scalars = text.scalars
        var start = 0
        while start < scalars.count {
            let first = scalars[start]
            if first.isTokenizerWhitespace {
                start += 1
                continue
            }
            let isWord = first.isWordCharacter
            var end = start + 1
            while end < scalars.count && scalars[end].isWordCharacter == isWord && (isWord || !scalars[end].isTokenizerWhitespace) {
                end += 1
            }
            runs.append(start..<end)
            start = end
        }
        SplitBehavior.removed.split(text, at: runs, invert: true, into: &words)
    }
}

/// `Sequence`: each pre-tokenizer splits every piece the previous one made.
struct SequencePreTokenizer: PreTokenizer {
    let preTokenizers: [PreTokenizer]

    func split(_ text: NormalizedText, into words: inout [NormalizedText]) {
        guard let last = preTokenizers.last else {
            words.append(text)
            return
        }
        var pieces = [text]
        for preTokenizer in preTokenizers.dropLast() {
            var next: [NormalizedText] = []
            next.reserveCapacity(pieces.count)
            for piece in pieces { preTokenizer.split(piece, into: &next) }
            pieces = next
        }
        for piece in pieces { last.split(piece, into: &words) }
    }
}
