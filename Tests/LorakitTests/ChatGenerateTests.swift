import FixtureSupport
import Foundation
import Models
import Testing
import Tokenizers

/// `lorakit generate` as a user runs it: plain continuation with a Metaspace tokenizer keeps the
/// space between the prompt and the continuation, `--chat` replies through the chat template (one
/// turn, or a conversation read from stdin), a template that raises fails with its message, and
/// the shipped chat recipe trains the built-in model with its loss falling.
@Suite struct ChatGenerateTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A small randomly initialised LLaMA whose vocabulary covers the chat_gemma_style tokenizer
    /// (Metaspace BPE, Gemma-style template), in a model folder with that tokenizer.
    static func chatModel(_ scratch: ScratchFolder) throws -> (folder: URL, model: any PretrainedModel, tokenizer: Tokenizer) {
        let source = FixtureCase.root.appendingPathComponent("chat_gemma_style")
        let folder = scratch.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let tokenizer = try Tokenizer(contentsOf: folder)
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: FixtureCase.root.appendingPathComponent("base_llama/base/config.json"))) as? [String: Any])
        config["vocab_size"] = tokenizer.vocabularySize
        config["max_position_embeddings"] = 512
        let configFile = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        let model = try ModelLoader.initialize(config: ConfigReader(contentsOf: configFile), seed: 7)
        try ModelWriter.save(model, companionsFrom: folder, to: folder)
        return (folder, try ModelReference(folder.path).load().model, tokenizer)
    }

    @Test func plainGenerationKeepsTheSpaceAfterThePromptWithAMetaspaceTokenizer() throws {
        let scratch = try ScratchFolder()
        let (folder, model, tokenizer) = try Self.chatModel(scratch)
        let options = SamplingOptions(maxNewTokens: 6, stopTokens: try EndOfSequenceIds.read(modelDirectory: folder).union([tokenizer.eosTokenId].compactMap { $0 }))
        // A prompt whose first new token starts with the Metaspace "▁", which a decoder drops from
        // a sequence's first token.
        let prompts = ["The cat", "Hello", "A lighthouse", "We", "Numbers", "It is", "Good morning", "Yes"]
        let chosen = try prompts.lazy.map { prompt -> (String, [Int], [Int]) in
            let ids = tokenizer.encode(prompt, addSpecialTokens: false).ids
            return (prompt, ids, try TextGenerator(model: model).generate(prompt: ids, options: options))
        }.first { _, _, produced in produced.first.flatMap(tokenizer.token(forId:))?.hasPrefix("▁") == true }
        let (prompt, ids, produced) = try #require(chosen, "no prompt starts its continuation with a word")
        let result = try LorakitBinary.run(["generate", "--model", folder.path, "--prompt", prompt, "--max-new-tokens", "6"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == tokenizer.decode(ids + produced, skipSpecialTokens: true) + "\n", "\(result.output.debugDescription)")
        #expect(result.output.hasPrefix(prompt + " "), "\(result.output.debugDescription)")
    }

    @Test func chatRepliesThroughTheTemplateForOneTurnAndAConversation() throws {
        let scratch = try ScratchFolder()
        let (folder, model, tokenizer) = try Self.chatModel(scratch)
        let template = try ChatTemplate(directory: folder)
        #expect(template.endOfTurn == "<end_of_turn>")
        var session = try ChatSession(model: model, tokenizer: tokenizer, template: template, options: SamplingOptions(maxNewTokens: 8, stopTokens: try EndOfSequenceIds.read(modelDirectory: folder).union([tokenizer.eosTokenId].compactMap { $0 })))
        #expect(session.options.stopTokens.contains(try #require(tokenizer.id(forToken: "<end_of_turn>"))))
        let first = try session.reply(to: "Hi there")
        let second = try session.reply(to: "And then?")
        let one = try LorakitBinary.run(["generate", "--model", folder.path, "--chat", "--prompt", "Hi there", "--max-new-tokens", "8"])
        #expect(one.status == 0, "\(one.error)")
        #expect(one.output == first + "\n")
        let conversation = try LorakitBinary.run(["generate", "--model", folder.path, "--chat", "--max-new-tokens", "8"], input: "Hi there\n\nAnd then?\n")
        #expect(conversation.status == 0, "\(conversation.error)")
        #expect(conversation.output == first + "\n" + second + "\n", "\(conversation.output.debugDescription)")
    }

    @Test func aTemplateThatRaisesEndsTheCommandWithItsMessage() throws {
        let scratch = try ScratchFolder()
        let (folder, _, _) = try Self.chatModel(scratch)
        let file = scratch.url.appendingPathComponent("refusing.jinja")
        try Data("{{ raise_exception('This model does not chat.') }}".utf8).write(to: file)
        let result = try LorakitBinary.run(["generate", "--model", folder.path, "--chat", "--chat-template", file.path, "--prompt", "Hi"])
        #expect(result.status != 0 && result.error.contains("This model does not chat."), "\(result.error)")
        let plain = try LorakitBinary.run(["generate", "--model", folder.path])
        #expect(plain.status != 0 && plain.error.contains("give --prompt TEXT"), "\(plain.error)")
    }

    @Test func theShippedChatRecipeLowersTheEvalLossOnAssistantTokens() throws {
        let scratch = try ScratchFolder()
        let out = scratch.url.appendingPathComponent("run")
        let result = try LorakitBinary.run(["train", Self.repository.appendingPathComponent("recipes/chat-tiny-llama.yaml").path,
                                            "--set", "max_steps=8", "--set", "eval_every=4", "--set", "batch_size=4", "--set", "warmup=0",
                                            "--set", "output_dir=\(out.path)"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("loss on the assistant's tokens only: the assistant tokens are those the template's {% generation %} blocks mark"),
                "\(result.output)")
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let evaluations = try lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["event"] as? String == "eval" }.compactMap { $0["eval_loss"] as? Double }
        #expect(evaluations.count == 2 && evaluations[1] < evaluations[0], "\(evaluations)")
        let reply = try LorakitBinary.run(["generate", "--model", "builtin:tiny-llama", "--adapter", out.path, "--chat",
                                           "--prompt", "Tell me my fortune.", "--max-new-tokens", "12"])
        #expect(reply.status == 0 && !reply.output.contains("<|im_start|>"), "\(reply.error)")
    }
}
