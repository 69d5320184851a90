import JSON

/// The BPE model: a word starts as one symbol per character, then the adjacent pair with the
/// lowest merge rank is joined (leftmost first) until no merge applies. Results are cached per word.
struct BPEModel: TokenModel {
    let vocabulary: [ExactString: Int]
    let unknownTokenId: Int?
    private let merges: [BPEPair: BPEMerge]
    private let fuseUnknown: Bool
    private let ignoreMerges: Bool
    private let byteFallback: Bool
    /// Put before every character of a word but the first (`##` in some files).
    private let continuingPrefix: String
    /// Put after the last character of a word (`</w>` in some files).
    private let endOfWordSuffix: String
    /// The id of each byte's `<0xXX>` piece, where the vocabulary has one.
    private let byteIds: [Int?]
    /// The ids of the single-character tokens, the symbols every word starts from: by scalar value
    /// below `Self.denseScalarCount` (-1 for none; every byte-level character is there), else by
    /// dictionary.
    private let denseCharacterIds: [Int]
    private let characterIds: [Unicode.Scalar: Int]
    private static let denseScalarCount = 0x800
    private let cache = WordCache()

    init(fields: JSONFieldReader) throws {
        // `dropout` only randomises training-time encodings; inference ignores it.
        byteFallback = try (fields.bool("byte_fallback") ?? false)
        continuingPrefix = try fields.string("continuing_subword_prefix") ?? ""
        endOfWordSuffix = try fields.string("end_of_word_suffix") ?? ""
        let vocabulary = try Vocabulary.read(from: fields)
        self.vocabulary = vocabulary
        merges = try BPEMerges.read(from: fields, vocabulary: vocabulary, continuingPrefix: continuingPrefix)
        unknownTokenId = try fields.string("unk_token").map {
            try Vocabulary.requiredId(of: $0, in: vocabulary, fields: fields, key: "unk_token")
        }
        fuseUnknown = try (fields.bool("fuse_unk") ?? false)
        ignoreMerges = try (fields.bool("ignore_merges") ?? false)
        var characterIds: [Unicode.Scalar: Int] = [:]
        var denseCharacterIds = [Int](repeating: -1, count: Self.denseScalarCount)
        for (token, id) in vocabulary {
            let scalars = token.value.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else { continue }
            if scalar.value < Self.denseScalarCount { denseCharacterIds[Int(scalar.value)] = id } else { characterIds[scalar] = id }
        }
        self.characterIds = characterIds
        self.denseCharacterIds = denseCharacterIds
        byteIds = (0..<256).map { vocabulary[ExactString(Self.byteToken($0))] }
    }

    /// The byte-fallback piece of `byte`: `<0x41>` (upper-case hex, as the crate spells it).
    static func byteToken(_ byte: Int) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [ModelToken] {
        if let cached = cache.tokens(for: word) { return cached }
        let tokens: [ModelToken]
        if ignoreMerges, let id = vocabulary[ExactString(String(String.UnicodeScalarView(word)))] {
            tokens = [ModelToken(id: id, range: 0..<word.count)]
        } else {
            tokens = merged(initialSymbols(of: word))
        }
        cache.store(tokens, for: word)
        return tokens
    }

    /// One symbol per character, as the crate's `merge_word` starts: a character outside the
    /// vocabulary becomes its `<0xXX>` byte pieces with `byte_fallback` (when all exist), else
    /// the unknown token (consecutive ones fused into one with `fuse_unk`), or is dropped if there
    /// is none. A pending unknown token is written when the next known character comes, so byte
    /// pieces in between go before it, as in the crate.
    private func initialSymbols(of word: [Unicode.Scalar]) -> [ModelToken] {
        var symbols: [ModelToken] = []
        var pendingUnknown: Range<Int>?
        for (index, scalar) in word.enumerated() {
            let range = index..<(index + 1)
            if let id = characterId(scalar, isFirst: index == 0, isLast: index == word.count - 1) {
                if let unknown = pendingUnknown, let unknownId = unknownTokenId {
                    symbols.append(ModelToken(id: unknownId, range: unknown))
                    pendingUnknown = nil
                }
                symbols.append(ModelToken(id: id, range: range))
                continue
            }
            if byteFallback {
                var bytes: [Int] = []
                UTF8.encode(scalar) { bytes.append(Int($0)) }
                let ids = bytes.compactMap { byteIds[$0] }
                if ids.count == bytes.count {
                    symbols.append(contentsOf: ids.map { ModelToken(id: $0, range: range) })
                    continue
                }
            }
            guard let unknownId = unknownTokenId else { continue }
            if let unknown = pendingUnknown {
                if fuseUnknown {
                    pendingUnknown = unknown.lowerBound..<range.upperBound
                    continue
                }
                symbols.append(ModelToken(id: unknownId, range: unknown))
            }
            pendingUnknown = range
        }
        if let unknown = pendingUnknown, let unknownId = unknownTokenId {
            symbols.append(ModelToken(id: unknownId, range: unknown))
        }
        return symbols
    }

    /// The id of the token of one character of a word, with the continuing prefix and the
    /// end-of-word suffix as they apply.
    private func characterId(_ scalar: Unicode.Scalar, isFirst: Bool, isLast: Bool) -> Int? {
        let prefix = isFirst ? "" : continuingPrefix
        let suffix = isLast ? endOfWordSuffix : ""
        if prefix.isEmpty && suffix.isEmpty {
            guard scalar.value < Self.denseScalarCount else { return characterIds[scalar] }
            let id = denseCharacterIds[Int(scalar.value)]
            return id >= 0 ? id : nil
        }
        var token = prefix
        token.unicodeScalars.append(scalar)
        token += suffix
        return vocabulary[ExactString(token)]
    }

    /// One symbol of a word being merged: its token, the scalars it covers, and its neighbours in
    /// the linked list of live symbols (`previous` -1 at the start, `next` the count at the end).
    private struct Symbol {
        var id: Int
        let start: Int
        var end: Int
        var previous: Int
        var next: Int
        var alive = true
    }

    /// Applies the merges to `initial`, lowest rank first and leftmost among equal ranks, as the
    /// `tokenizers` crate does, over a linked list of symbols and a queue of candidate merges.
    private func merged(_ initial: [ModelToken]) -> [ModelToken] {
        let count = initial.count
        guard count > 1 else { return initial }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(count)
        for (index, token) in initial.enumerated() {
            symbols.append(Symbol(id: token.id, start: token.range.lowerBound, end: token.range.upperBound,
                                  previous: index - 1, next: index + 1))
        }
        var queue = BPEMergeQueue(capacity: count)
        func enqueue(_ position: Int) {
            let next = symbols[position].next
            guard next < count, let merge = merges[BPEPair(left: symbols[position].id, right: symbols[next].id)] else { return }
            queue.push(BPEMergeCandidate(rank: merge.rank, position: position, mergedId: merge.mergedId))
        }
        for position in 0..<(count - 1) { enqueue(position) }
        var liveCount = count
        while let candidate = queue.pop() {
            let left = candidate.position
            let right = symbols[left].next
            guard symbols[left].alive, right < count,
                  merges[BPEPair(left: symbols[left].id, right: symbols[right].id)]?.mergedId == candidate.mergedId else { continue }
            symbols[left].id = candidate.mergedId
            symbols[left].end = symbols[right].end
            symbols[right].alive = false
            liveCount -= 1
            let after = symbols[right].next
            symbols[left].next = after
            if after < count { symbols[after].previous = left }
            if symbols[left].previous >= 0 { enqueue(symbols[left].previous) }
            enqueue(left)
        }
        var tokens: [ModelToken] = []
        tokens.reserveCapacity(liveCount)
        for symbol in symbols where symbol.alive { tokens.append(ModelToken(id: symbol.id, range: symbol.start..<symbol.end)) }
        return tokens
    }
}
