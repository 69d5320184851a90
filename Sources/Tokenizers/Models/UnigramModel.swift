import JSON

/// The Unigram model (SentencePiece, T5): a word is cut into the pieces whose scores (log
/// probabilities) add up to the most, found by Viterbi over the word's characters as the crate's
/// `encode_optimized` does. A character no piece starts with costs the lowest score minus 10 and
/// becomes the unknown token; consecutive unknown characters form one token, whose string is the
/// text it covers. With `byte_fallback`, an unknown piece becomes its `<0xXX>` byte pieces.
struct UnigramModel: TokenModel {
    let vocabulary: [ExactString: Int]
    let unknownTokenId: Int?
    private let scores: [Double]
    private let byteFallback: Bool
    private let unknownScore: Double
    /// The longest piece, in characters: no longer candidate is looked up.
    private let longestPiece: Int
    private let cache = WordCache()

    /// The crate's `K_UNK_PENALTY`.
    private static let unknownPenalty = 10.0

    init(fields: JSONFieldReader) throws {
        let entries = try fields.required("vocab", fields.array)
        var vocabulary: [ExactString: Int] = [:]
        var scores: [Double] = []
        var longest = 1
        for (id, entry) in entries.enumerated() {
            guard let pair = entry.elements, pair.count == 2, let piece = pair[0].stringValue, let score = pair[1].doubleValue else {
                throw fields.invalid("vocab[\(id)]", "expected [piece, score]")
            }
            if vocabulary[ExactString(piece)] == nil { vocabulary[ExactString(piece)] = id }
            scores.append(score)
            longest = max(longest, piece.unicodeScalars.count)
        }
        self.vocabulary = vocabulary
        self.scores = scores
        longestPiece = longest
        unknownTokenId = try fields.int("unk_id")
        if let unknown = unknownTokenId, !scores.indices.contains(unknown) {
            throw fields.invalid("unk_id", "\(unknown) is not the id of a piece of the vocabulary")
        }
        byteFallback = try (fields.bool("byte_fallback") ?? false)
        unknownScore = (scores.min() ?? 0) - Self.unknownPenalty
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken] {
        if let cached = cache.tokens(for: word) { return cached }
        var tokens: [ModelToken] = []
        // As the crate, each piece of the path is looked up again by its string.
        for range in bestPath(word) {
            let value = String(String.UnicodeScalarView(word[range]))
            if let id = vocabulary[ExactString(value)] {
                tokens.append(ModelToken(id: id, range: range, value: value))
                continue
            }
            if byteFallback {
                let bytes = Array(value.utf8)
                let pieces = bytes.compactMap { byte in vocabulary[ExactString(BPEModel.byteToken(Int(byte)))] }
                if pieces.count == bytes.count {
                    tokens.append(contentsOf: pieces.map { ModelToken(id: $0, range: range) })
                    continue
                }
            }
            if let unknownId = unknownTokenId { tokens.append(ModelToken(id: unknownId, range: range, value: value)) }
        }
        cache.store(tokens, for: word)
        return tokens
    }

    /// The pieces of the best segmentation, consecutive unknown pieces joined.
    private func bestPath(_ word: [Unicode.Scalar]) -> [Range<Int>] {
        let count = word.count
        guard count > 0 else { return [] }
        // For each end position: the best score of a path to it, where its last piece starts, its id.
        var bestScore = [Double](repeating: 0, count: count + 1)
        var startOf = [Int?](repeating: nil, count: count + 1)
        var idOf = [Int](repeating: 0, count: count + 1)
        startOf[0] = 0
        for start in 0..<count where startOf[start] != nil {
            let scoreSoFar = bestScore[start]
            var hasSingleCharacterPiece = false
            var candidate = ""
            for end in (start + 1)...min(count, start + longestPiece) {
                candidate.unicodeScalars.append(word[end - 1])
                guard let id = vocabulary[ExactString(candidate)] else { continue }
                let score = scoreSoFar + scores[id]
                if startOf[end] == nil || score > bestScore[end] {
                    bestScore[end] = score
                    startOf[end] = start
                    idOf[end] = id
                }
                if end == start + 1 { hasSingleCharacterPiece = true }
            }
            if !hasSingleCharacterPiece, let unknownId = unknownTokenId {
                let score = scoreSoFar + unknownScore
                if startOf[start + 1] == nil || score > bestScore[start + 1] {
                    bestScore[start + 1] = score
                    startOf[start + 1] = start
                    idOf[start + 1] = unknownId
                }
            }
        }
        guard startOf[count] != nil else { return [] }
        var pieces: [Range<Int>] = []
        var lastWasUnknown = false
        var end = count
        while end > 0, let start = startOf[end] {
            let isUnknown = idOf[end] == unknownTokenId
            if isUnknown && lastWasUnknown, let last = pieces.last {
                pieces[pieces.count - 1] = start..<last.upperBound
            } else {
                pieces.append(start..<end)
            }
            lastWasUnknown = isUnknown
            end = start
        }
        return pieces.reversed()
    }
}
