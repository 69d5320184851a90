import ArgumentParser
import Foundation
import Tokenizers

/// `lorakit tokenizer`: tokenizer tools.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "Tokenizer tools.", subcommands: [TrainTokenizer.self, Encode.self, Decode.self])

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

    /// `lorakit tokenizer encode`: each text's ids, tokens and offsets as one JSON object a line.
    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize texts with a tokenizer.json; prints {\"ids\", \"tokens\", \"offsets\"} (code points) per text, one a line.")

        @Option(help: "A tokenizer.json, or a folder holding one.")
        var tokenizer: String

        @Flag(help: "Do not add the post-processor's special tokens (added tokens written in the text are still matched).")
        var noSpecialTokens = false

        @Option(help: "A second text to encode with each text as a pair (the output then has type_ids too).")
        var pair: String?

        @Option(help: "Truncate to at most N tokens, special tokens included (longest first for pairs).")
        var maxLength: Int?

        @Argument(help: "The texts.")
        var texts: [String]

        func validate() throws {
            if let maxLength, maxLength < 0 { throw ValidationError("--max-length must be at least 0, not \(maxLength)") }
        }

        func run() throws {
            let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: self.tokenizer))
            for text in texts {
                let encoding = tokenizer.encode(text, pair: pair, addSpecialTokens: !noSpecialTokens, maxLength: maxLength)
                var fields = [
                    "\"ids\": [" + encoding.ids.map(String.init).joined(separator: ", ") + "]",
                    "\"tokens\": [" + encoding.tokens.map(JSONString.quoted).joined(separator: ", ") + "]",
                    "\"offsets\": [" + encoding.offsets.map { "[\($0.lowerBound), \($0.upperBound)]" }.joined(separator: ", ") + "]",
                ]
                if pair != nil { fields.append("\"type_ids\": [" + encoding.typeIds.map(String.init).joined(separator: ", ") + "]") }
                print("{" + fields.joined(separator: ", ") + "}")
            }
        }
    }

    /// `lorakit tokenizer decode`: the text of token ids as one JSON string.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decode token ids with a tokenizer.json; prints the text as a JSON string.")

        @Option(help: "A tokenizer.json, or a folder holding one.")
        var tokenizer: String

        @Flag(help: "Leave out the special tokens.")
        var skipSpecialTokens = false

        @Argument(help: "The token ids.")
        var ids: [Int] = []

        func run() throws {
            let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: self.tokenizer))
            print(JSONString.quoted(tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)))
        }
    }
}
