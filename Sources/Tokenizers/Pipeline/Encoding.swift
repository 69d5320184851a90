/// The result of tokenizing one text or a pair of texts: the token ids, the token strings, and for
/// each token the `[start, end)` range of the text it covers, in Unicode code points (tokens added
/// by the post-processor, such as `[CLS]`, have the empty range `0..<0`; the tokens of a pair's
/// second text have offsets into that text), its type id, and which text it came from.
public struct Encoding: Equatable, Sendable {
    /// The token ids, in order.
    public private(set) var ids: [Int] = []
    /// The token strings, as the vocabulary spells them (`##ing`, `Ġthe`).
    public private(set) var tokens: [String] = []
    /// For each token, the code points `[start, end)` of the original text it came from.
    public private(set) var offsets: [Range<Int>] = []
    /// For each token, its type id (0 for the first text, 1 for the second in most templates).
    public private(set) var typeIds: [Int] = []
    /// For each token, 0 or 1 for the text of a pair it came from, `nil` for an added special token.
    public private(set) var sequenceIds: [Int?] = []

    /// The number of tokens.
    public var count: Int { ids.count }

    public init() {}

    /// Makes room for `extra` more tokens.
    mutating func reserveCapacity(_ extra: Int) {
        ids.reserveCapacity(count + extra)
        tokens.reserveCapacity(count + extra)
        offsets.reserveCapacity(count + extra)
        typeIds.reserveCapacity(count + extra)
        sequenceIds.reserveCapacity(count + extra)
    }

    mutating func append(id: Int, token: String, offsets range: Range<Int>, typeId: Int = 0, sequenceId: Int? = 0) {
        ids.append(id)
        tokens.append(token)
        offsets.append(range)
        typeIds.append(typeId)
        sequenceIds.append(sequenceId)
    }

    mutating func append(contentsOf other: Encoding) {
        guard count > 0 else {
            self = other
            return
        }
        ids.append(contentsOf: other.ids)
        tokens.append(contentsOf: other.tokens)
        offsets.append(contentsOf: other.offsets)
        typeIds.append(contentsOf: other.typeIds)
        sequenceIds.append(contentsOf: other.sequenceIds)
    }

    /// Keeps the first `maxCount` tokens.
    mutating func truncate(to maxCount: Int) {
        guard count > maxCount else { return }
        ids.removeSubrange(maxCount...)
        tokens.removeSubrange(maxCount...)
        offsets.removeSubrange(maxCount...)
        typeIds.removeSubrange(maxCount...)
        sequenceIds.removeSubrange(maxCount...)
    }

    /// Gives every token the type id `typeId` and the sequence id `sequenceId`.
    mutating func assign(typeId: Int, sequenceId: Int) {
        for index in typeIds.indices {
            typeIds[index] = typeId
            sequenceIds[index] = sequenceId
        }
    }

    /// Rewrites every token's offsets with `transform(token, index, offsets)`.
    mutating func mapOffsets(_ transform: (String, Int, Range<Int>) -> Range<Int>) {
        for index in offsets.indices {
            offsets[index] = transform(tokens[index], index, offsets[index])
        }
    }
}
