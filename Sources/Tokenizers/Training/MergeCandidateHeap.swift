/// A pair of adjacent symbol ids packed as `left << 32 | right`, so that comparing packed values
/// compares the pairs lexicographically, as the `tokenizers` trainer compares its `(u32, u32)` pairs.
struct PackedSymbolPair: Hashable, Comparable {
    private let bits: UInt64

    init(_ left: Int32, _ right: Int32) { bits = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }
    var left: Int32 { Int32(truncatingIfNeeded: bits >> 32) }
    var right: Int32 { Int32(truncatingIfNeeded: bits & 0xFFFF_FFFF) }

    static func < (a: PackedSymbolPair, b: PackedSymbolPair) -> Bool { a.bits < b.bits }
}

/// A pair that may be merged next, with its count when it was queued and the words (by index)
/// in which it was seen, as the `tokenizers` trainer queues them.
struct MergeCandidate {
    var pair: PackedSymbolPair
    var count: Int
    var words: [Int32]
}

/// A max-heap of merge candidates: the highest count first, and among equal counts the
/// lexicographically smaller pair of ids first (the `tokenizers` trainer's order).
struct MergeCandidateHeap {
    private var items: [MergeCandidate] = []

    var isEmpty: Bool { items.isEmpty }

    private static func precedes(_ a: MergeCandidate, _ b: MergeCandidate) -> Bool {
        a.count != b.count ? a.count > b.count : a.pair < b.pair
    }

    mutating func push(_ candidate: MergeCandidate) {
        items.append(candidate)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> MergeCandidate? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < items.count && Self.precedes(items[left], items[best]) { best = left }
            if right < items.count && Self.precedes(items[right], items[best]) { best = right }
            guard best != parent else { break }
            items.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
