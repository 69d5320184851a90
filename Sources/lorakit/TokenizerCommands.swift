import JSON
import Jinja
import ArgumentParser
import FileAccess
import Foundation
import Tokenizers

/// `lorakit tokenizer`: tokenizer tools.
struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenizer", abstract: "Tokenizer tools.", subcommands: [TrainTokenizer.self, Encode.self, Decode.self, Chat.self, Throughput.self])

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

    /// `lorakit tokenizer chat`: a conversation through the model's chat template, as JSON.
    struct Chat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a conversation with a tokenizer folder's chat template; prints {\"text\", \"ids\", \"tokens\", \"assistant_masks\"}.")

        @Argument(help: "A folder with tokenizer.json and tokenizer_config.json (or chat_template.jinja).")
        var directory: String

        @Argument(help: "A JSON file holding one conversation: a list of {\"role\", \"content\"} messages.")
        var conversation: String

        @Flag(help: "End with the prompt for the assistant's next turn.")
        var addGenerationPrompt = false

        func run() throws {
            let folder = URL(fileURLWithPath: directory)
            let file = URL(fileURLWithPath: conversation)
            let data: Data
            do {
                data = try Data(contentsOf: file)
            } catch {
                throw ValidationError("cannot read the conversation \(conversation): \(FileProblem.reading(file, error: error))")
            }
            let messages = try ChatTemplate.conversation(fromJSON: data, name: conversation)
            let tokenizer = try Tokenizer(contentsOf: folder)
            let template = try ChatTemplate(directory: folder)
            let result = try template.apply(messages: messages, addGenerationPrompt: addGenerationPrompt, tokenizer: tokenizer)
            var fields = [
                "\"text\": " + JSONString.quoted(result.text),
                "\"ids\": [" + result.encoding.ids.map(String.init).joined(separator: ", ") + "]",
                "\"tokens\": [" + result.encoding.tokens.map(JSONString.quoted).joined(separator: ", ") + "]",
            ]
            if let masks = result.assistantMasks {
                fields.append("\"assistant_masks\": [" + masks.map(String.init).joined(separator: ", ") + "]")
            }
            print("{" + fields.joined(separator: ", ") + "}")
        }
    }

    /// `lorakit tokenizer throughput`: how fast a tokenizer encodes text, on one thread.
    struct Throughput: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure how fast a tokenizer.json encodes text files, line by line on one thread (MB/s and tokens/s).")

        @Option(help: "A tokenizer.json, or a folder holding one.")
        var tokenizer: String

        @Option(help: "Encode the text this many times (the first pass fills the word caches too).")
        var repeats = 1

        @Argument(help: "UTF-8 text files.")
        var files: [String]

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, not \(repeats)") }
        }

        func run() throws {
            let tokenizer = try Tokenizer(contentsOf: URL(fileURLWithPath: self.tokenizer))
            var lines: [String] = []
            for path in files {
                let url = URL(fileURLWithPath: path)
                let data: Data
                do {
                    data = try Data(contentsOf: url)
                } catch {
                    throw ValidationError("cannot read \(path): \(FileProblem.reading(url, error: error))")
                }
                guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("cannot read \(path): \(FileProblem.notUTF8)") }
                // At each "\n" scalar, as Python's `str.split("\n")`: a "\r\n" is one Character, so a
                // split by Characters would keep it inside the line; here the "\r" stays with its line.
                lines += text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
            }
            let bytes = lines.reduce(0) { $0 + $1.utf8.count + 1 }
            for pass in 1...repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                var tokens = 0
                for line in lines { tokens += tokenizer.encode(line, addSpecialTokens: false).count }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                print(String(format: "pass %d: %d bytes, %d tokens in %.3f s: %.2f MB/s, %.0f tokens/s",
                             pass, bytes, tokens, seconds, Double(bytes) / 1e6 / max(seconds, 1e-9), Double(tokens) / max(seconds, 1e-9)))
            }
        }
    }
}
