import Foundation
import Testing
@testable import Tokenizers

@Suite("BPE trainer")
struct BPETrainerTests {
    // Expected pieces checked by hand against Python's `regex` module with GPT-2's pattern.
    @Test("the pre-tokeniser splits as GPT-2's regex does", arguments: [
        ("Hello world's  end!\n", ["Hello", " world", "'s", " ", " end", "!", "\n"]),
        ("I'm   here\t\tnow  ", ["I", "'m", "  ", " here", "\t", "\t", "now", "  "]),
        ("x'S 'll'd 12,345.6 ab2c  \n\n  d",
         ["x", "'", "S", " '", "ll", "'d", " 12", ",", "345", ".", "6", " ab", "2", "c", "  \n\n ", " d"]),
        ("Naïve café — 😀 ½ Ⅻ\u{A0}x\u{2003} y", ["Naïve", " café", " —", " 😀", " ½", " Ⅻ", "\u{A0}", "x", "\u{2003}", " y"]),
        ("  ", ["  "]),
        ("'hello' ", ["'", "hello", "'", " "]),
    ])
    func preTokenizer(text: String, expected: [String]) {
        let scalars = Array(text.unicodeScalars)
        #expect(GPT2SplitPattern.pieces(of: scalars).map { String(String.UnicodeScalarView(scalars[$0])) } == expected)
    }

    @Test("the first merges are the most frequent pairs, ties to the smaller pair of ids")
    func firstMerges() throws {
        // Pieces: "hug" ×1, " hug" ×2, " pug", " pun", " bun", " hugs" (space = "Ġ").
        // Pair counts: u g = 1+2+1+1 = 5, h u = 4, Ġ h = 3, Ġ p = u n = p u = 2, ...
        // 1. u+g (5). Then h ug = 4 (hug, Ġhug ×2, Ġhugs): 2. h+ug. Then Ġ hug = 3: 3. Ġ+hug.
        // Then Ġ p (Ġpug, Ġpun) and u n (Ġpun, Ġbun) tie at 2; "u" (U+0075) has a smaller id than
        // "Ġ" (U+0120), so 4. u+n, and 5. Ġ+p (still 2). `tokenizers` learns the same five.
        let trained = try BPETrainer(vocabularySize: 2 + 256 + 5).train(texts: ["hug hug hug pug pun bun hugs"])
        let expected = [("u", "g"), ("h", "ug"), ("Ġ", "hug"), ("u", "n"), ("Ġ", "p")].map { TrainedBPE.Merge(left: $0, right: $1) }
        #expect(trained.merges == expected)
        let u = try #require(trained.vocabulary.firstIndex(of: "u"))
        let space = try #require(trained.vocabulary.firstIndex(of: "Ġ"))
        #expect(u < space)
        #expect(Array(trained.vocabulary.suffix(5)) == ["ug", "hug", "Ġhug", "un", "Ġp"])
    }

    @Test("the vocabulary has the requested size, special tokens first, then all 256 bytes")
    func vocabularyLayout() throws {
        let text = "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.\n"
            + "How vexingly quick daft zebras jump! Sphinx of black quartz, judge my vow.\n"
        let trained = try BPETrainer(vocabularySize: 300).train(texts: [text])
        #expect(trained.vocabulary.count == 300)
        #expect(Set(trained.vocabulary).count == 300)
        #expect(Array(trained.vocabulary.prefix(2)) == ["<|endoftext|>", "<pad>"])
        let bytes = trained.vocabulary[2 ..< 258]
        #expect(Set(bytes) == Set(ByteLevelAlphabet.scalarForByte.map { String(Character($0)) }))
        #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value })
        #expect(trained.merges.count == 300 - 258)
    }

    @Test("training stops early when no pair is left")
    func stopsWhenNothingToMerge() throws {
        let trained = try BPETrainer(vocabularySize: 1000).train(texts: ["ab ab"])
        // Pieces "ab" and " ab": merges a+b, then Ġ+ab; nothing is left after that.
        #expect(trained.merges == [TrainedBPE.Merge(left: "a", right: "b"), TrainedBPE.Merge(left: "Ġ", right: "ab")])
        #expect(trained.vocabulary.count == 260)
    }

    @Test("tokenizer.json has the fields the tokenizers library requires")
    func tokenizerJSONFields() throws {
        let trained = try BPETrainer(vocabularySize: 270, specialTokens: .init(additional: ["<sep>"]))
            .train(texts: ["one two three, one two three\n"])
        let json = try #require(JSONSerialization.jsonObject(with: Data(trained.tokenizerJSON.utf8)) as? [String: Any])
        #expect(json["version"] as? String == "1.0")
        let added = try #require(json["added_tokens"] as? [[String: Any]])
        #expect(added.map { $0["content"] as? String } == ["<|endoftext|>", "<pad>", "<sep>"])
        #expect(added.map { $0["id"] as? Int } == [0, 1, 2])
        for token in added {
            #expect(token["special"] as? Bool == true)
            #expect(token["normalized"] as? Bool == false)
            for flag in ["single_word", "lstrip", "rstrip"] { #expect(token[flag] as? Bool == false) }
        }
        let preTokenizer = try #require(json["pre_tokenizer"] as? [String: Any])
        #expect(preTokenizer["type"] as? String == "ByteLevel")
        #expect(preTokenizer["add_prefix_space"] as? Bool == false)
        #expect(preTokenizer["use_regex"] as? Bool == true)
        #expect((json["decoder"] as? [String: Any])?["type"] as? String == "ByteLevel")
        #expect((json["post_processor"] as? [String: Any])?["trim_offsets"] as? Bool == false)

        let model = try #require(json["model"] as? [String: Any])
        #expect(model["type"] as? String == "BPE")
        for key in ["dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix"] { #expect(model[key] is NSNull) }
        #expect(model["byte_fallback"] as? Bool == false)
        let vocab = try #require(model["vocab"] as? [String: Int])
        #expect(vocab.count == trained.vocabulary.count)
        for (id, token) in trained.vocabulary.enumerated() { #expect(vocab[token] == id) }
        let merges = try #require(model["merges"] as? [[String]])
        #expect(merges == trained.merges.map { [$0.left, $0.right] })
        #expect(merges.allSatisfy { vocab[$0[0] + $0[1]] != nil })
    }

    @Test("write(to:) writes tokenizer.json and transformers' config files")
    func writesFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bpe-\(UUID().uuidString)/tokenizer")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let trained = try BPETrainer(vocabularySize: 262).train(texts: ["to be or not to be\n"])
        try trained.write(to: folder)

        let written = try String(contentsOf: folder.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        #expect(written == trained.tokenizerJSON)
        let config = try #require(JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        #expect(config["tokenizer_class"] as? String == "PreTrainedTokenizerFast")
        #expect(config["eos_token"] as? String == "<|endoftext|>")
        #expect(config["pad_token"] as? String == "<pad>")
        #expect((config["added_tokens_decoder"] as? [String: Any])?.keys.sorted() == ["0", "1"])
        let map = try #require(JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("special_tokens_map.json"))) as? [String: [String: Any]])
        #expect(map.keys.sorted() == ["bos_token", "eos_token", "pad_token", "unk_token"])
        #expect(map["pad_token"]?["content"] as? String == "<pad>")
    }

    @Test("mistakes a user can make are reported")
    func errors() throws {
        #expect(throws: BPETrainingError.vocabularyTooSmall(requested: 200, minimum: 258)) {
            try BPETrainer(vocabularySize: 200)
        }
        #expect(throws: BPETrainingError.self) {
            try BPETrainer(vocabularySize: 300, specialTokens: .init(padding: "<|endoftext|>"))
        }
        #expect(throws: BPETrainingError.self) { try BPETrainer(vocabularySize: 300, specialTokens: .init(endOfText: "")) }

        let trainer = try BPETrainer(vocabularySize: 300)
        #expect(throws: BPETrainingError.emptyCorpus) { try trainer.train(texts: [""]) }
        #expect(throws: BPETrainingError.emptyCorpus) { try trainer.train(files: []) }
        let missing = URL(fileURLWithPath: "/nonexistent/lorakit/corpus.txt")
        #expect {
            try trainer.train(files: [missing])
        } throws: { error in
            guard case let .unreadableFile(path, _) = error as? BPETrainingError else { return false }
            return path == missing.path && "\(error)".contains("cannot read")
        }
        let latin1 = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bpe-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: latin1) }
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: latin1)
        #expect(throws: BPETrainingError.notUTF8(path: latin1.path)) { try trainer.train(files: [latin1]) }
    }
}
