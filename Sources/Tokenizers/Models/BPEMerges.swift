import JSON

/// Two adjacent token ids that a BPE merge joins.
struct BPEPair: Hashable {
    let left: Int
    let right: Int
}

/// A BPE merge rule: its rank (position in the merges list) and the id of the joined token.
struct BPEMerge {
    let rank: Int
    let mergedId: Int
}

/// Reading the `merges` list of a BPE model, given either as `"a b"` strings or as `["a", "b"]`
/// pairs (newer files).
enum BPEMerges {
    /// With a continuing-subword prefix, the merged token is `a` followed by `b` without its prefix.
    static func read(from fields: JSONFieldReader, vocabulary: [ExactString: Int], continuingPrefix: String = "") throws -> [BPEPair: BPEMerge] {
        let list = fields.isNull("merges") ? [] : try fields.required("merges", fields.array)
        var merges: [BPEPair: BPEMerge] = [:]
        merges.reserveCapacity(list.count)
        for (rank, element) in list.enumerated() {
            let key = "merges[\(rank)]"
            let parts: [String]
            if case let .string(line) = element {
                parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if case let .array(pair) = element {
                parts = pair.compactMap(\.stringValue)
                guard parts.count == pair.count else { throw fields.invalid(key, "expected two strings") }
            } else {
                throw fields.invalid(key, "expected \"a b\" or [\"a\", \"b\"]")
            }
            guard parts.count == 2 else { throw fields.invalid(key, "a merge joins exactly two tokens") }
            let left = try Vocabulary.requiredId(of: parts[0], in: vocabulary, fields: fields, key: key)
            let right = try Vocabulary.requiredId(of: parts[1], in: vocabulary, fields: fields, key: key)
            let second = !continuingPrefix.isEmpty && parts[1].unicodeScalars.starts(with: continuingPrefix.unicodeScalars)
                ? String(parts[1].unicodeScalars.dropFirst(continuingPrefix.unicodeScalars.count)) : parts[1]
            let merged = try Vocabulary.requiredId(of: parts[0] + second, in: vocabulary, fields: fields, key: key)
            merges[BPEPair(left: left, right: right)] = BPEMerge(rank: rank, mergedId: merged)
        }
        return merges
    }
}
