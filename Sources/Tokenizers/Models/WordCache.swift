import Foundation

/// A thread-safe memo of a model's tokens per word (BPE, Unigram), so each distinct word of a corpus is merged once.
/// Words are keyed by their scalars, so a look-up builds no string. Long words are not kept, and
/// the memo stops growing at `capacity` words.
final class WordCache: @unchecked Sendable {
    static let maxWordLength = 256

    private let capacity: Int
    private var tokensByWord: [ScalarWord: [ModelToken]] = [:]
    private let lock = NSLock()

    init(capacity: Int = 500_000) {
        self.capacity = capacity
    }

    func tokens(for word: [Unicode.Scalar]) -> [ModelToken]? {
        lock.lock()
        defer { lock.unlock() }
        return tokensByWord[ScalarWord(scalars: word)]
    }

    func store(_ tokens: [ModelToken], for word: [Unicode.Scalar]) {
        guard word.count <= Self.maxWordLength else { return }
        lock.lock()
        defer { lock.unlock() }
        if tokensByWord.count < capacity { tokensByWord[ScalarWord(scalars: word)] = tokens }
    }
}

/// A word's scalars as a dictionary key, hashed as the raw bytes of the array. Scalars compare
/// by code point, so equal keys are exactly equal strings (no canonical equivalence).
struct ScalarWord: Hashable {
    let scalars: [Unicode.Scalar]

    func hash(into hasher: inout Hasher) {
        scalars.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
