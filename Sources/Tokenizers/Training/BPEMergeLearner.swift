/// Learns BPE merges over a set of unique words the way the `tokenizers` library's `BpeTrainer`
/// does: count adjacent pairs once, then repeatedly merge the most frequent pair (ties go to the
/// lexicographically smaller pair of ids), updating pair counts only in the words that held it.
///
/// Its bookkeeping follows the library step for step, quirks included, so that both learn the
/// same merges: queued counts are refreshed lazily when popped, only pairs that gained occurrences
/// are queued again (with just the words where they gained them), and when a merge yields a token
/// that already exists the merge is recorded again under the existing id.
struct BPEMergeLearner {
    /// Tokens by id, and ids by token.
    private(set) var tokens: [String]
    private var ids: [String: Int32]
    /// Merges in the order learned, as pairs of ids.
    private(set) var merges: [PackedSymbolPair] = []

    private var words: [[Int32]]
    private let wordCounts: [Int]
    private var pairCounts: [PackedSymbolPair: Int] = [:]
    private var queue = MergeCandidateHeap()

    /// Prepares to learn over `words` (symbol ids), each seen `wordCounts[i]` times, starting from
    /// the vocabulary `tokens` (special tokens and the alphabet).
    init(tokens: [String], words: [[Int32]], wordCounts: [Int]) {
        self.tokens = tokens
        ids = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, Int32($0)) })
        self.words = words
        self.wordCounts = wordCounts

        var wordsWithPair: [PackedSymbolPair: [Int32]] = [:]
        for (index, word) in words.enumerated() where word.count > 1 {
            for position in 1 ..< word.count {
                let pair = PackedSymbolPair(word[position - 1], word[position])
                pairCounts[pair, default: 0] += wordCounts[index]
                Self.note(word: Int32(index), in: &wordsWithPair[pair, default: []])
            }
        }
        queueCandidates(wordsWithPair)
    }

    /// Merges until the vocabulary holds `vocabularySize` tokens or no pair is left.
    mutating func learn(upTo vocabularySize: Int) {
        while ids.count < vocabularySize, var top = queue.popFirst() {
            let current = pairCounts[top.pair, default: 0]
            if top.count != current {
                top.count = current
                queue.push(top)
                continue
            }
            if top.count < 1 { break }
            merge(top)
        }
    }

    private mutating func merge(_ candidate: MergeCandidate) {
        let (left, right) = (candidate.pair.left, candidate.pair.right)
        let token = tokens[Int(left)] + tokens[Int(right)]
        let merged: Int32
        if let existing = ids[token] {
            merged = existing
        } else {
            merged = Int32(tokens.count)
            tokens.append(token)
            ids[token] = merged
        }
        merges.append(candidate.pair)

        var wordsWithNewPair: [PackedSymbolPair: [Int32]] = [:]
        var changes: [(pair: PackedSymbolPair, change: Int)] = []
        for index in candidate.words {
            changes.removeAll(keepingCapacity: true)
            Self.replace(left, right, with: merged, in: &words[Int(index)], changes: &changes)
            let count = wordCounts[Int(index)]
            for (pair, change) in changes {
                pairCounts[pair, default: 0] += change * count
                if change > 0 { Self.note(word: index, in: &wordsWithNewPair[pair, default: []]) }
            }
        }
        queueCandidates(wordsWithNewPair)
    }

    /// Replaces every non-overlapping occurrence of `left right` in `word`, left to right, and
    /// appends each neighbouring pair that is lost (-1) or formed (+1) to `changes`, as the
    /// library's `Word::merge` does.
    private static func replace(_ left: Int32, _ right: Int32, with merged: Int32, in word: inout [Int32],
                                changes: inout [(pair: PackedSymbolPair, change: Int)]) {
        guard word.count > 1 else { return }
        var result: [Int32] = []
        result.reserveCapacity(word.count)
        var position = 0
        while position < word.count {
            guard position + 1 < word.count, word[position] == left, word[position + 1] == right else {
                result.append(word[position])
                position += 1
                continue
            }
            if let previous = result.last {
                changes.append((PackedSymbolPair(previous, left), -1))
                changes.append((PackedSymbolPair(previous, merged), 1))
            }
            if position + 2 < word.count {
                let next = word[position + 2]
                changes.append((PackedSymbolPair(right, next), -1))
                changes.append((PackedSymbolPair(merged, next), 1))
            }
            result.append(merged)
            position += 2
        }
        if result.count != word.count { word = result }
    }

    private mutating func queueCandidates(_ wordsWithPair: [PackedSymbolPair: [Int32]]) {
        for (pair, words) in wordsWithPair {
            let count = pairCounts[pair, default: 0]
            if count > 0 { queue.push(MergeCandidate(pair: pair, count: count, words: words)) }
        }
    }

    /// Adds `word` to a list of word indices that grows in ascending order, once.
    private static func note(word: Int32, in list: inout [Int32]) {
        if list.last != word { list.append(word) }
    }
}
