import Foundation
import Tokenizers
import Testing

/// Files a tokenizer cannot be read from give errors that say what is wrong.
@Suite struct TokenizerErrorTests {
    private let wordPieceModel = """
        {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
         "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1}}
        """

    @Test func malformedJSONNamesTheFile() throws {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("lorakit-malformed-\(UUID().uuidString).json")
        try Data("{\"model\": {\"type\": ".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try Tokenizer(contentsOf: file)
            Issue.record("malformed JSON was accepted")
        } catch let error as TokenizerError {
            guard case let .malformedJSON(path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == file.path)
            #expect(error.description.contains(file.lastPathComponent))
        }
    }

    @Test func topLevelThatIsNotAnObjectIsMalformed() {
        #expect(throws: TokenizerError.self) { try Tokenizer(jsonData: Data("[1, 2]".utf8)) }
    }

    @Test func missingFileIsUnreadable() {
        let file = URL(fileURLWithPath: "/nonexistent/lorakit/tokenizer.json")
        do {
            _ = try Tokenizer(contentsOf: file)
            Issue.record("a missing file was accepted")
        } catch {
            guard case let .unreadableFile(path, _)? = error as? TokenizerError else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == file.path)
        }
    }

    @Test func unsupportedModelTypeIsNamed() {
        let data = TokenizerFixtures.minimalTokenizerJSON(model: #"{"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0}}"#)
        do {
            _ = try Tokenizer(jsonData: data, sourceName: "wordlevel.json")
            Issue.record("a WordLevel model was accepted")
        } catch {
            guard case let .unsupported(path, field, reason)? = error as? TokenizerError else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "wordlevel.json")
            #expect(field == "model.type")
            #expect(reason.contains("WordLevel"))
        }
    }

    @Test func unknownNormalizerIsNamed() {
        let data = TokenizerFixtures.minimalTokenizerJSON(model: wordPieceModel, normalizer: #"{"type": "Precompiled", "precompiled_charsmap": ""}"#)
        do {
            _ = try Tokenizer(jsonData: data)
            Issue.record("a Precompiled normalizer was accepted")
        } catch {
            guard case let .unsupported(_, field, reason)? = error as? TokenizerError else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(field == "normalizer.type")
            #expect(reason.contains("Precompiled"))
        }
    }

    @Test func missingVocabularyIsAnInvalidField() {
        let data = TokenizerFixtures.minimalTokenizerJSON(model: #"{"type": "WordPiece", "unk_token": "[UNK]"}"#)
        #expect(throws: TokenizerError.invalidField(path: "tokenizer.json", field: "model.vocab",
                                                   reason: "expected an object mapping token strings to ids")) {
            try Tokenizer(jsonData: data)
        }
    }

    @Test func mergeOfTokensOutsideTheVocabularyIsAnInvalidField() {
        let data = TokenizerFixtures.minimalTokenizerJSON(model: #"{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}"#)
        #expect(throws: TokenizerError.self) { try Tokenizer(jsonData: data) }
    }

}
