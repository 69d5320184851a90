/// Splits text into pieces exactly as GPT-2's pre-tokenisation regex does, matched by hand over
/// Unicode scalars:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// At each position the alternatives are tried in order, as a backtracking regex engine does; the
/// pattern matches every character, so the pieces cover the text without gaps. `\s` is Unicode's
/// White_Space property, `\p{L}` and `\p{N}` the letter and number general categories.
enum GPT2PieceScanner {
    /// The class of a scalar as the regex sees it.
    enum ScalarClass: UInt8 {
        case letter, number, whitespace, other
    }

    private static let asciiClasses: [ScalarClass] = (0 ..< 128).map { unicodeClass(of: Unicode.Scalar(UInt8($0))) }
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The class of `scalar`.
    static func scalarClass(of scalar: Unicode.Scalar) -> ScalarClass {
        scalar.isASCII ? asciiClasses[Int(scalar.value)] : unicodeClass(of: scalar)
    }

    private static func unicodeClass(of scalar: Unicode.Scalar) -> ScalarClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    /// The pieces of `text`, in order.
    static func pieces(of text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return pieceRanges(of: scalars[...]).map { String(String.UnicodeScalarView(scalars[$0])) }
    }

    /// The consecutive index ranges of `scalars` that the pattern matches.
    static func pieceRanges(of scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        let classes = scalars.map(scalarClass(of:))
        var ranges: [Range<Int>] = []
        var start = scalars.startIndex
        while start < scalars.endIndex {
            let end = matchEnd(scalars, classes, from: start)
            ranges.append(start ..< end)
            start = end
        }
        return ranges
    }

    /// Where the match that starts at `start` ends; `classes` is indexed from zero.
    private static func matchEnd(_ scalars: ArraySlice<Unicode.Scalar>, _ classes: [ScalarClass], from start: Int) -> Int {
        let base = scalars.startIndex
        let end = scalars.endIndex
        func runEnd(from index: Int, of wanted: ScalarClass) -> Int {
            var index = index
            while index < end && classes[index - base] == wanted { index += 1 }
            return index
        }

        // 's|'t|'re|'ve|'m|'ll|'d
        if scalars[start] == "'" {
            for suffix in contractions where start + suffix.count < end {
                if scalars[(start + 1) ... (start + suffix.count)].elementsEqual(suffix) { return start + 1 + suffix.count }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: an optional space, then a run of one class.
        let runStart = scalars[start] == " " && start + 1 < end ? start + 1 : start
        let runClass = classes[runStart - base]
        if runClass != .whitespace { return runEnd(from: runStart, of: runClass) }
        // `\s+(?!\S)`: a whitespace run that ends the text, or all of it but the last character
        // when something follows; `\s+` takes a single whitespace character before non-space.
        let whitespaceEnd = runEnd(from: start, of: .whitespace)
        if whitespaceEnd == end || whitespaceEnd - start == 1 { return whitespaceEnd }
        return whitespaceEnd - 1
    }
}
