/// An error a user can cause while training a byte-level BPE tokenizer; its description says what
/// was wrong and what to do.
public enum BPETrainingError: Error, CustomStringConvertible, Equatable {
    /// A training file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A training file is not UTF-8 text.
    case notUTF8(path: String)
    /// The training text holds no characters at all.
    case emptyCorpus
    /// The vocabulary cannot hold the special tokens and the 256 byte symbols.
    case vocabularyTooSmall(requested: Int, minimum: Int)
    /// A special token is empty or listed twice.
    case invalidSpecialToken(String)
    /// A tokenizer file could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read the training file (\(reason))"
        case let .notUTF8(path):
            return "\(path): the training file is not UTF-8 text; convert it to UTF-8 first"
        case .emptyCorpus:
            return "the training text is empty; give at least one non-empty file"
        case let .vocabularyTooSmall(requested, minimum):
            return "a vocabulary of \(requested) tokens cannot hold the special tokens and the 256 byte symbols; ask for at least \(minimum)"
        case let .invalidSpecialToken(reason):
            return "special tokens: \(reason)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write the tokenizer file (\(reason)); check that the folder is writable"
        }
    }
}
