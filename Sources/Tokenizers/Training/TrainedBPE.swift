import FileAccess
import Foundation

/// A byte-level BPE tokenizer that `BPETrainer` learned: its vocabulary, merges and special
/// tokens, ready to be written as the files the Hugging Face `tokenizers` and `transformers`
/// libraries load.
public struct TrainedBPE: Sendable, Equatable {
    /// One learned merge: two adjacent tokens that become one.
    public struct Merge: Hashable, Sendable {
        public let left: String
        public let right: String

        public init(left: String, right: String) {
            self.left = left
            self.right = right
        }
    }

    /// Tokens by id: the special tokens, the 256 byte symbols, then one token per merge.
    public let vocabulary: [String]
    /// Merges by rank, the first learned first.
    public let merges: [Merge]
    /// The special tokens, which hold the first ids.
    public let specialTokens: BPETrainer.SpecialTokens

    /// The file names `write(to:)` writes, in the order it writes them.
    public static let fileNames = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// Writes `tokenizer.json`, `tokenizer_config.json` and `special_tokens_map.json` into
    /// `directory` (created if missing), each under a temporary name first (Foundation's atomic
    /// write) so no file is ever left half-written.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw BPETrainingError.cannotWrite(path: directory.path, reason: FileProblem.writing(directory, error: error).description)
        }
        let contents = [tokenizerJSON, tokenizerConfigJSON, specialTokensMapJSON]
        for (name, text) in zip(Self.fileNames, contents) {
            let file = directory.appendingPathComponent(name)
            do {
                try Data(text.utf8).write(to: file, options: .atomic)
            } catch {
                throw BPETrainingError.cannotWrite(path: file.path, reason: FileProblem.writing(file, error: error).description)
            }
        }
    }
}
