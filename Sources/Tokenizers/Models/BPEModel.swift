/// The BPE model: a word starts as one symbol per character, then the adjacent pair with the
/// lowest merge rank is joined (leftmost first) until no merge applies. Results are cached per word.
struct BPEModel: TokenModel {
    let vocabulary: [ExactString: Int]
    let unknownTokenId: Int?
    private let merges: [BPEPair: BPEMerge]
    private let fuseUnknown: Bool
    private let ignoreMerges: Bool
    /// The ids of the single-character tokens, the symbols every word starts from.
    private let characterIds: [Unicode.Scalar: Int]
    private let cache = BPEWordCache()

    init(fields: JSONFields) throws {
        if let dropout = try fields.optionalDouble("dropout"), dropout > 0 {
            throw fields.unsupported("dropout", "BPE dropout is not supported")
        }
        if try fields.bool("byte_fallback", default: false) {
            throw fields.unsupported("byte_fallback", "BPE byte fallback is not supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = try fields.optionalString(key), !affix.isEmpty {
                throw fields.unsupported(key, "BPE with a \(key) is not supported")
            }
        }
        let vocabulary = try Vocabulary.read(from: fields)
        self.vocabulary = vocabulary
        merges = try BPEMerges.read(from: fields, vocabulary: vocabulary)
        unknownTokenId = try fields.optionalString("unk_token").map {
            try Vocabulary.requiredId(of: $0, in: vocabulary, fields: fields, key: "unk_token")
        }
        fuseUnknown = try fields.bool("fuse_unk", default: false)
        ignoreMerges = try fields.bool("ignore_merges", default: false)
        var characterIds: [Unicode.Scalar: Int] = [:]
        for (token, id) in vocabulary {
            let scalars = token.value.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first { characterIds[scalar] = id }
        }
        self.characterIds = characterIds
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken] {
        let key = ExactString(String(String.UnicodeScalarView(word)))
        if let cached = cache.tokens(for: key) { return cached }
        let tokens: [ModelToken]
        if ignoreMerges, let id = vocabulary[key] {
            tokens = [ModelToken(id: id, range: 0..<word.count)]
        } else {
            tokens = merged(initialSymbols(of: word))
        }
        cache.store(tokens, for: key, length: word.count)
        return tokens
    }

    /// One symbol per character; characters outside the vocabulary become the unknown token
    /// (consecutive ones fused into one if `fuse_unk`), or are dropped if there is none.
    private func initialSymbols(of word: [Unicode.Scalar]) -> [ModelToken] {
        var symbols: [ModelToken] = []
        var previousWasUnknown = false
        for (index, scalar) in word.enumerated() {
            if let id = characterIds[scalar] {
                symbols.append(ModelToken(id: id, range: index..<(index + 1)))
                previousWasUnknown = false
            } else if let unknownId = unknownTokenId {
                if fuseUnknown && previousWasUnknown, let last = symbols.popLast() {
                    symbols.append(ModelToken(id: unknownId, range: last.range.lowerBound..<(index + 1)))
                } else {
                    symbols.append(ModelToken(id: unknownId, range: index..<(index + 1)))
                }
                previousWasUnknown = true
            }
        }
        return symbols
    }

    /// Applies the merges to `symbols`, lowest rank first and leftmost among equal ranks, as the
    /// `tokenizers` crate does, over a linked list of symbols and a queue of candidate merges.
    private func merged(_ symbols: [ModelToken]) -> [ModelToken] {
        let count = symbols.count
        guard count > 1 else { return symbols }
        var ids = symbols.map(\.id)
        var ends = symbols.map(\.range.upperBound)
        var previous = Array(-1..<(count - 1))
        var next = Array(1...count)
        var alive = [Bool](repeating: true, count: count)
        var queue = BPEMergeQueue()
        func enqueue(_ position: Int) {
            guard next[position] < count, let merge = merges[BPEPair(left: ids[position], right: ids[next[position]])] else { return }
            queue.push(BPEMergeCandidate(rank: merge.rank, position: position, mergedId: merge.mergedId))
        }
        for position in 0..<(count - 1) { enqueue(position) }
        while let candidate = queue.pop() {
            let left = candidate.position
            guard alive[left], next[left] < count else { continue }
            let right = next[left]
            guard merges[BPEPair(left: ids[left], right: ids[right])]?.mergedId == candidate.mergedId else { continue }
            ids[left] = candidate.mergedId
            ends[left] = ends[right]
            alive[right] = false
            next[left] = next[right]
            if next[right] < count { previous[next[right]] = left }
            if previous[left] >= 0 { enqueue(previous[left]) }
            enqueue(left)
        }
        return (0..<count).filter { alive[$0] }.map {
            ModelToken(id: ids[$0], range: symbols[$0].range.lowerBound..<ends[$0])
        }
    }
}
