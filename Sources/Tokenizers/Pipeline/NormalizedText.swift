/// Text on its way through the tokenizer pipeline: a run of Unicode scalars, each remembering the
/// index of the scalar of the original text it came from. Normalizers and pre-tokenizers rewrite
/// the scalars; the origins let token offsets be given in code points of the original text.
struct NormalizedText {
    private(set) var scalars: [Unicode.Scalar]
    /// `origins[i]` is the index in the original text of the scalar that produced `scalars[i]`.
    private(set) var origins: [Int]

    init(scalars: [Unicode.Scalar], origins: [Int]) {
        precondition(scalars.count == origins.count, "every scalar needs an origin")
        self.scalars = scalars
        self.origins = origins
    }

    /// The scalars `range` of `original`, unchanged, with their own indices as origins.
    init(original: [Unicode.Scalar], range: Range<Int>) {
        self.init(scalars: Array(original[range]), origins: Array(range))
    }

    var count: Int { scalars.count }
    var isEmpty: Bool { scalars.isEmpty }

    /// The part `range` of this text, origins kept.
    func slice(_ range: Range<Int>) -> NormalizedText {
        NormalizedText(scalars: Array(scalars[range]), origins: Array(origins[range]))
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

    /// Puts `scalar` in front, attributed to the first scalar's origin (as the `tokenizers` crate
    /// aligns a prepended prefix space).
    mutating func prepend(_ scalar: Unicode.Scalar) {
        guard let firstOrigin = origins.first else { return }
        scalars.insert(scalar, at: 0)
        origins.insert(firstOrigin, at: 0)
    }
}
