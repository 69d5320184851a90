/// Text on its way through the tokenizer pipeline: a run of Unicode scalars, each remembering the
/// index of the scalar of the original text it came from. Normalizers and pre-tokenizers rewrite
/// the scalars; the origins let token offsets be given in code points of the original text.
///
/// As in the `tokenizers` crate's `NormalizedString`, every scalar is aligned to exactly one
/// original scalar: a scalar a rewrite inserts takes the alignment of the one it replaces or, if
/// it is new, of the one before it.
struct NormalizedText {
    private(set) var scalars: [Unicode.Scalar]
    /// `origins[i]` is the index in the original text of the scalar that produced `scalars[i]`.
    private(set) var origins: [Int]
    /// Where this text starts in the original (the crate's `original_shift`): a pre-tokenizer can
    /// tell the piece at the very start of the input from the others by it.
    private(set) var originalStart: Int

    init(scalars: [Unicode.Scalar], origins: [Int], originalStart: Int) {
        precondition(scalars.count == origins.count, "every scalar needs an origin")
        self.scalars = scalars
        self.origins = origins
        self.originalStart = originalStart
    }

    /// The scalars `range` of `original`, unchanged, with their own indices as origins.
    init(original: [Unicode.Scalar], range: Range<Int>) {
        self.init(scalars: Array(original[range]), origins: Array(range), originalStart: range.lowerBound)
    }

    var count: Int { scalars.count }
    var isEmpty: Bool { scalars.isEmpty }

    /// The scalars as a string.
    var string: String { String(String.UnicodeScalarView(scalars)) }

    /// The part `range` of this text, origins kept.
    func slice(_ range: Range<Int>) -> NormalizedText {
        NormalizedText(scalars: Array(scalars[range]), origins: Array(origins[range]),
                       originalStart: range.isEmpty ? originalStart : origins[range.lowerBound])
    }

    /// The code-point range of the original text that the scalars `range` came from.
    func originalRange(of range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        return origins[range.lowerBound]..<(origins[range.upperBound - 1] + 1)
    }

    /// Replaces every scalar by the zero or more scalars `replacement` appends for it; the new
    /// scalars inherit the origin of the scalar they replace.
    mutating func transform(_ replacement: (Unicode.Scalar, inout [Unicode.Scalar]) -> Void) {
        var newScalars: [Unicode.Scalar] = []
        var newOrigins: [Int] = []
        newScalars.reserveCapacity(scalars.count)
        newOrigins.reserveCapacity(scalars.count)
        for (scalar, origin) in zip(scalars, origins) {
            replacement(scalar, &newScalars)
            newOrigins.append(contentsOf: repeatElement(origin, count: newScalars.count - newOrigins.count))
        }
        scalars = newScalars
        origins = newOrigins
    }

    /// Replaces the groups of scalars `groups` (consecutive, covering the text) by what `rewrite`
    /// appends for each; the scalars written for a group take the origins of the group's scalars
    /// in order, the extra ones that of its last scalar.
    mutating func rewriteGroups(_ groups: [Range<Int>], _ rewrite: (ArraySlice<Unicode.Scalar>, inout [Unicode.Scalar]) -> Void) {
        var newScalars: [Unicode.Scalar] = []
        var newOrigins: [Int] = []
        newScalars.reserveCapacity(scalars.count)
        newOrigins.reserveCapacity(scalars.count)
        for group in groups {
            let start = newScalars.count
            rewrite(scalars[group], &newScalars)
            for index in 0..<(newScalars.count - start) { newOrigins.append(origins[group.lowerBound + min(index, group.count - 1)]) }
        }
        scalars = newScalars
        origins = newOrigins
    }

    /// Replaces each of `matches` (ascending, not overlapping) by `content`. As the crate aligns a
    /// replacement, every scalar of `content` takes the origin of the last scalar of the match (of
    /// the scalar before an empty match).
    mutating func replace(_ matches: [Range<Int>], with content: [Unicode.Scalar]) {
        guard !matches.isEmpty else { return }
        var newScalars: [Unicode.Scalar] = []
        var newOrigins: [Int] = []
        var position = 0
        for match in matches {
            newScalars.append(contentsOf: scalars[position..<match.lowerBound])
            newOrigins.append(contentsOf: origins[position..<match.lowerBound])
            let anchor = match.upperBound > 0 ? origins[match.upperBound - 1] : originalStart
            newScalars.append(contentsOf: content)
            newOrigins.append(contentsOf: repeatElement(anchor, count: content.count))
            position = match.upperBound
        }
        newScalars.append(contentsOf: scalars[position...])
        newOrigins.append(contentsOf: origins[position...])
        scalars = newScalars
        origins = newOrigins
    }

    /// Puts `prefix` in front, attributed to the first scalar's origin (as the crate aligns a
    /// prepended prefix); an empty text stays empty.
    mutating func prepend(_ prefix: [Unicode.Scalar]) {
        guard let firstOrigin = origins.first else { return }
        scalars.insert(contentsOf: prefix, at: 0)
        origins.insert(contentsOf: repeatElement(firstOrigin, count: prefix.count), at: 0)
    }

    /// Removes `leading` scalars from the front and `trailing` from the back.
    mutating func trim(leading: Int, trailing: Int) {
        let end = max(leading, scalars.count - trailing)
        scalars = Array(scalars[leading..<end])
        origins = Array(origins[leading..<end])
    }
}
