import Foundation

/// A thread-safe memo of a model's tokens per word (BPE, Unigram), so each distinct word of a corpus is merged once.
/// Long words are not kept, and the memo stops growing at `capacity` words.
final class WordCache: @unchecked Sendable {
    static let maxWordLength = 256

    private let capacity: Int
    private var tokensByWord: [ExactString: [ModelToken]] = [:]
    private let lock = NSLock()

    init(capacity: Int = 500_000) {
        self.capacity = capacity
    }

    func tokens(for word: ExactString) -> [ModelToken]? {
        lock.lock()
        defer { lock.unlock() }
        return tokensByWord[word]
    }

    func store(_ tokens: [ModelToken], for word: ExactString, length: Int) {
        guard length <= Self.maxWordLength else { return }
        lock.lock()
        defer { lock.unlock() }
        if tokensByWord.count < capacity { tokensByWord[word] = tokens }
    }
}
