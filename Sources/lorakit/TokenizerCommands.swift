import ArgumentParser
import Foundation
import Tokenizers

/// `lorakit tokenizer`: tokenizer tools.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "Tokenizer tools.", subcommands: [TrainTokenizer.self])

    /// `lorakit tokenizer train`: a byte-level BPE tokenizer as Hugging Face `tokenizers` trains one.
    struct TrainTokenizer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train", abstract: "Train a byte-level BPE tokenizer on text files; writes tokenizer.json and its companions.")

        @Option(help: "Vocabulary size, special tokens included.")
        var vocabSize = 4096

        @Option(help: "The folder to write tokenizer.json, tokenizer_config.json and special_tokens_map.json into.")
        var out: String

        @Argument(help: "UTF-8 text files.")
        var files: [String]

        func run() throws {
            let trained = try BPETrainer(vocabularySize: vocabSize).train(files: files.map { URL(fileURLWithPath: $0) })
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try trained.write(to: folder)
            print("wrote a \(trained.vocabulary.count)-token tokenizer to \(out)")
        }
    }
}
