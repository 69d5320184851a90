/// Finds added tokens in a run of scalars, leftmost first and the longest at a position, and
/// splits the run into those tokens and the text between them, as the crate's added vocabulary does.
struct AddedTokenMatcher {
    /// A part of the scanned run: an added token (with the range it took) or plain text.
    enum Segment {
        case token(AddedToken, Range<Int>)
        case text(Range<Int>)
    }

    /// Candidate patterns by first scalar, longest first.
    private let patternsByFirstScalar: [Unicode.Scalar: [(pattern: [Unicode.Scalar], token: AddedToken)]]
    /// `mayStartMatch[s.value & 0xFF]` is false when no pattern starts with a scalar whose low byte
    /// is that of `s`: most scalars of a text are passed over without a dictionary look-up.
    private let mayStartMatch: [Bool]

    /// A matcher for `tokens`, each searched for as the scalars `pattern(token)`.
    init(tokens: [AddedToken], pattern: (AddedToken) -> [Unicode.Scalar]) {
        var byFirst: [Unicode.Scalar: [(pattern: [Unicode.Scalar], token: AddedToken)]] = [:]
        for token in tokens {
            let scalars = pattern(token)
            guard let first = scalars.first else { continue }
            byFirst[first, default: []].append((scalars, token))
        }
        patternsByFirstScalar = byFirst.mapValues { $0.sorted { $0.pattern.count > $1.pattern.count } }
        var mayStartMatch = [Bool](repeating: false, count: 256)
        for first in byFirst.keys { mayStartMatch[Int(first.value & 0xFF)] = true }
        self.mayStartMatch = mayStartMatch
    }

    func split(_ scalars: [Unicode.Scalar]) -> [Segment] {
        guard !patternsByFirstScalar.isEmpty else { return scalars.isEmpty ? [] : [.text(0..<scalars.count)] }
        var segments: [Segment] = []
        var textStart = 0
        var position = 0
        while position < scalars.count {
            guard let (token, length) = longestMatch(in: scalars, at: position) else {
                position += 1
                continue
            }
            var start = position
            var end = position + length
            position = end
            if token.singleWord {
                let wordBefore = start > 0 && scalars[start - 1].isWordCharacter
                let wordAfter = end < scalars.count && scalars[end].isWordCharacter
                if wordBefore || wordAfter { continue }
            }
            if token.leftStrip {
                while start > textStart && scalars[start - 1].isTokenizerWhitespace { start -= 1 }
            }
            if token.rightStrip {
                while end < scalars.count && scalars[end].isTokenizerWhitespace { end += 1 }
                position = end
            }
            if textStart < start { segments.append(.text(textStart..<start)) }
            segments.append(.token(token, start..<end))
            textStart = end
        }
        if textStart < scalars.count { segments.append(.text(textStart..<scalars.count)) }
        return segments
    }

    private func longestMatch(in scalars: [Unicode.Scalar], at position: Int) -> (AddedToken, Int)? {
        guard mayStartMatch[Int(scalars[position].value & 0xFF)],
              let candidates = patternsByFirstScalar[scalars[position]] else { return nil }
        for candidate in candidates {
            let end = position + candidate.pattern.count
            if end <= scalars.count && scalars[position..<end].elementsEqual(candidate.pattern) {
                return (candidate.token, candidate.pattern.count)
            }
        }
        return nil
    }
}
