import Foundation
import Tokenizers
import Testing

/// Configurations the fixture files do not use, each checked against what the `tokenizers`
/// library (0.23.3) gives for the same file and text.
@Suite struct TokenizerConfigurationTests {
    private func addedToken(_ id: Int, _ content: String, special: Bool = true, singleWord: Bool = false,
                            lstrip: Bool = false, rstrip: Bool = false, normalized: Bool = false) -> [String: Any] {
        ["id": id, "content": content, "special": special, "single_word": singleWord,
         "lstrip": lstrip, "rstrip": rstrip, "normalized": normalized]
    }

    @Test func byteLevelWithPrefixSpaceAndTrimmedOffsets() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE) { json in
            var preTokenizer = json["pre_tokenizer"] as! [String: Any]
            preTokenizer["add_prefix_space"] = true
            json["pre_tokenizer"] = preTokenizer
            var postProcessor = json["post_processor"] as! [String: Any]
            postProcessor["trim_offsets"] = true
            json["post_processor"] = postProcessor
            json["added_tokens"] = [addedToken(0, "<|endoftext|>", normalized: true)]
        }
        let spaced = tokenizer.encode("a  b   c    d")
        #expect(spaced.tokens == ["Ġa", "Ġ", "Ġb", "Ġ", "Ġ", "Ġc", "Ġ", "Ġ", "Ġ", "Ġd"])
        #expect(spaced.offsets == [0..<1, 2..<2, 3..<4, 5..<5, 6..<6, 7..<8, 9..<9, 10..<10, 11..<11, 12..<13])
        #expect(tokenizer.decode(spaced.ids) == " a  b   c    d")
        let withSpecial = tokenizer.encode("Hello<|endoftext|>")
        #expect(withSpecial.ids == [221, 357, 275, 79, 0])
        #expect(withSpecial.offsets == [0..<0, 0..<2, 2..<4, 4..<5, 5..<18])
    }

    @Test func addedTokenFlags() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE) { json in
            var added = json["added_tokens"] as! [[String: Any]]
            added.append(addedToken(400, "<mask>", lstrip: true))
            added.append(addedToken(401, "wor", special: false, singleWord: true))
            added.append(addedToken(402, "[SEP]", rstrip: true))
            json["added_tokens"] = added
        }
        let leftStripped = tokenizer.encode("x  <mask>y")
        #expect(leftStripped.tokens == ["x", "  <mask>", "y"])
        #expect(leftStripped.offsets == [0..<1, 1..<9, 9..<10])
        #expect(tokenizer.decode(leftStripped.ids) == "x<mask>y")
        #expect(tokenizer.encode("wor word wor. swor wor_").ids == [401, 398, 68, 221, 401, 14, 262, 87, 272, 398, 63])
        let rightStripped = tokenizer.encode("word [SEP] word")
        #expect(rightStripped.tokens == ["w", "or", "d", "Ġ", "[SEP] ", "w", "or", "d"])
        #expect(rightStripped.offsets[4] == 5..<11)
    }

    @Test func addedTokensWhoseFirstCharactersShareTheirLowByte() throws {
        // "<" is U+003C and "ļ" U+013C: the matcher's first-character filter must tell them apart.
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE) { json in
            var added = json["added_tokens"] as! [[String: Any]]
            added.append(addedToken(400, "ļx"))
            added.append(addedToken(401, "<b>"))
            json["added_tokens"] = added
        }
        let encoding = tokenizer.encode("a<x ļx <b> ļ<b>x")
        #expect(encoding.ids == [65, 28, 88, 221, 400, 221, 401, 221, 129, 121, 401, 88])
        #expect(encoding.offsets == [0..<1, 1..<2, 2..<3, 3..<4, 4..<6, 6..<7, 7..<10, 10..<11, 11..<12, 11..<12, 12..<15, 15..<16])
        #expect(tokenizer.encode("<<b>ļļx").ids == [28, 401, 129, 121, 400])
    }

    @Test func idsFarBeyondTheVocabularySize() throws {
        let model = """
            {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1000000, "##b": 7}}
            """
        let tokenizer = try Tokenizer(jsonData: TokenizerFixtures.minimalTokenizerJSON(model: model))
        let encoding = tokenizer.encode("ab a c")
        #expect(encoding.ids == [1000000, 7, 1000000, 0])
        #expect(encoding.tokens == ["a", "##b", "a", "[UNK]"])
        #expect(encoding.offsets == [0..<1, 1..<2, 3..<4, 5..<6])
        #expect(tokenizer.token(forId: 1000000) == "a")
        #expect(tokenizer.token(forId: 5) == nil)
        #expect(tokenizer.token(forId: -1) == nil)
        #expect(tokenizer.decode([1000000, 7, 0]) == "a ##b [UNK]")
    }

    @Test func mergesGivenAsStringsEqualMergesGivenAsPairs() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE) { json in
            var model = json["model"] as! [String: Any]
            model["merges"] = (model["merges"] as! [[String]]).map { $0.joined(separator: " ") }
            json["model"] = model
        }
        let original = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE)
        for text in try TokenizerFixtures.texts(TokenizerFixtures.byteLevelBPE) {
            #expect(tokenizer.encode(text) == original.encode(text))
        }
    }

    @Test func normalizedAddedTokenMatchesAfterNormalization() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.wordPiece) { json in
            var added = json["added_tokens"] as! [[String: Any]]
            added.append(addedToken(30522, "[New]", special: false, normalized: true))
            json["added_tokens"] = added
            var normalizer = json["normalizer"] as! [String: Any]
            normalizer["strip_accents"] = false
            json["normalizer"] = normalizer
        }
        let encoding = tokenizer.encode("[New] [new] [NEW]x")
        #expect(encoding.ids == [101, 30522, 30522, 30522, 1060, 102])
        #expect(encoding.tokens == ["[CLS]", "[new]", "[new]", "[new]", "x", "[SEP]"])
        #expect(encoding.offsets == [0..<0, 0..<5, 6..<11, 12..<17, 17..<18, 0..<0])
        #expect(tokenizer.token(forId: 30522) == "[new]")
        #expect(tokenizer.id(forToken: "[New]") == 30522)
        #expect(tokenizer.encode("Café déjà vu").ids == [101, 100, 100, 24728, 102])
    }

    @Test func casedBertWithBertProcessing() throws {
        let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.wordPiece) { json in
            var normalizer = json["normalizer"] as! [String: Any]
            normalizer["lowercase"] = false
            normalizer["handle_chinese_chars"] = false
            json["normalizer"] = normalizer
            json["post_processor"] = ["type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]]
        }
        #expect(tokenizer.encode("Hello, world!").ids == [101, 100, 1010, 2088, 999, 102])
        let encoding = tokenizer.encode("日本語 Café")
        #expect(encoding.tokens == ["[CLS]", "日", "##本", "##語", "[UNK]", "[SEP]"])
        #expect(encoding.offsets == [0..<0, 0..<1, 1..<2, 2..<3, 4..<8, 0..<0])
    }

    @Test func wordsMatchVocabularyTokensByTheirExactScalars() throws {
        let model = """
            {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "\\u00e9": 1, "a": 2}}
            """
        let tokenizer = try Tokenizer(jsonData: TokenizerFixtures.minimalTokenizerJSON(model: model))
        #expect(tokenizer.encode("\u{e9}").ids == [1])
        // The decomposed form is canonically equivalent but not the same token.
        #expect(tokenizer.encode("e\u{301}").ids == [0])
        #expect(tokenizer.encode("e\u{301}").offsets == [0..<2])
        #expect(tokenizer.id(forToken: "e\u{301}") == nil)
        #expect(tokenizer.encode("a\u{e9}").ids == [0])
        #expect(tokenizer.encode("a b").tokens == ["a", "[UNK]"])
        #expect(tokenizer.encode("a b").offsets == [0..<1, 2..<3])
    }
}
