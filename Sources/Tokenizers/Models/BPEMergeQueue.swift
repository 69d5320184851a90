/// A candidate merge of two adjacent symbols of a word: the merge's rank (lower merges first), the
/// position of the left symbol, and the id of the merged token.
struct BPEMergeCandidate {
    let rank: Int
    let position: Int
    let mergedId: Int

    /// Lowest rank first; among equal ranks, the leftmost.
    func precedes(_ other: BPEMergeCandidate) -> Bool {
        rank != other.rank ? rank < other.rank : position < other.position
    }
}

/// A binary min-heap of merge candidates, so a word of n symbols is merged in O(n log n).
struct BPEMergeQueue {
    private var heap: [BPEMergeCandidate] = []

    /// An empty queue with room for `capacity` candidates before it grows.
    init(capacity: Int = 0) {
        heap.reserveCapacity(capacity)
    }

    mutating func push(_ candidate: BPEMergeCandidate) {
        heap.append(candidate)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> BPEMergeCandidate? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return first }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < heap.count && heap[left].precedes(heap[best]) { best = left }
            if right < heap.count && heap[right].precedes(heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
