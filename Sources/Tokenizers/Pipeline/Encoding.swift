/// The result of tokenizing one text: the token ids, the token strings, and for each token the
/// `[start, end)` range of the original text it covers, in Unicode code points (tokens added by
/// the post-processor, such as `[CLS]`, have the empty range `0..<0`).
public struct Encoding: Equatable, Sendable {
    /// The token ids, in order.
    public private(set) var ids: [Int] = []
    /// The token strings, as the vocabulary spells them (`##ing`, `Ġthe`).
    public private(set) var tokens: [String] = []
    /// For each token, the code points `[start, end)` of the original text it came from.
    public private(set) var offsets: [Range<Int>] = []

    /// The number of tokens.
    public var count: Int { ids.count }

    public init() {}

    mutating func append(id: Int, token: String, offsets range: Range<Int>) {
        ids.append(id)
        tokens.append(token)
        offsets.append(range)
    }

    mutating func append(contentsOf other: Encoding) {
        ids.append(contentsOf: other.ids)
        tokens.append(contentsOf: other.tokens)
        offsets.append(contentsOf: other.offsets)
    }

    /// Keeps the first `maxCount` tokens.
    mutating func truncate(to maxCount: Int) {
        guard count > maxCount else { return }
        ids.removeSubrange(maxCount...)
        tokens.removeSubrange(maxCount...)
        offsets.removeSubrange(maxCount...)
    }

    /// Rewrites every token's offsets with `transform(token, index, offsets)`.
    mutating func mapOffsets(_ transform: (String, Int, Range<Int>) -> Range<Int>) {
        for index in offsets.indices {
            offsets[index] = transform(tokens[index], index, offsets[index])
        }
    }
}
