import JSON

/// How a split treats the delimiters it found (the crate's `SplitDelimiterBehavior`).
enum SplitBehavior: String {
    /// Delimiters are dropped.
    case removed = "Removed"
    /// Every delimiter is a piece of its own.
    case isolated = "Isolated"
    /// A delimiter joins the piece before it.
    case mergedWithPrevious = "MergedWithPrevious"
    /// A delimiter joins the piece after it.
    case mergedWithNext = "MergedWithNext"
    /// Consecutive delimiters form one piece.
    case contiguous = "Contiguous"

    init(fields: JSONFieldReader, key: String = "behavior") throws {
        let name = try fields.required(key, fields.string)
        guard let behavior = SplitBehavior(rawValue: name) else {
            throw fields.unsupported(key, "split behavior \"\(name)\" is not supported (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)")
        }
        self = behavior
    }

    /// Splits `text` at `matches` (ascending, not overlapping) as the crate's
    /// `NormalizedString::split` does; with `invert` the matches are the pieces kept apart and the
    /// text between them the delimiters. The pieces are appended to `words`; empty ones are dropped.
    func split(_ text: NormalizedText, at matches: [Range<Int>], invert: Bool = false, into words: inout [NormalizedText]) {
        // Every part of the text, each flagged whether it is a delimiter.
        var parts: [(range: Range<Int>, isDelimiter: Bool)] = []
        var position = 0
        for match in matches {
            if position < match.lowerBound { parts.append((position..<match.lowerBound, invert)) }
            parts.append((match, !invert))
            position = match.upperBound
        }
        if position < text.count || parts.isEmpty { parts.append((position..<text.count, invert)) }

        var pieces: [Range<Int>] = []
        switch self {
        case .removed:
            pieces = parts.filter { !$0.isDelimiter }.map(\.range)
        case .isolated:
            pieces = parts.map(\.range)
        case .contiguous:
            var previous = false
            for part in parts {
                if part.isDelimiter == previous, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    pieces.append(part.range)
                }
                previous = part.isDelimiter
            }
        case .mergedWithPrevious:
            var previous = false
            for part in parts {
                if part.isDelimiter && !previous, let last = pieces.last {
                    pieces[pieces.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    pieces.append(part.range)
                }
                previous = part.isDelimiter
            }
        case .mergedWithNext:
            var previous = false
            for part in parts.reversed() {
                if part.isDelimiter && !previous, let last = pieces.last {
                    pieces[pieces.count - 1] = part.range.lowerBound..<last.upperBound
                } else {
                    pieces.append(part.range)
                }
                previous = part.isDelimiter
            }
            pieces.reverse()
        }
        for piece in pieces where !piece.isEmpty { words.append(text.slice(piece)) }
    }
}
