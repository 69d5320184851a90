import Foundation
import Models
import Testing
import Tokenizers
@testable import Workbench

/// `generate` decodes the new tokens after the prompt's, as `lorakit generate` does (a Metaspace
/// tokenizer keeps the space between the prompt and the continuation), and `generate --chat`
/// replies through the model's chat template, stopping at its end of turn.
@Suite struct GenerationDecodingTests {
    /// A session with the test LLaMA resized to the chat_gemma_style tokenizer (Metaspace BPE,
    /// Gemma-style template), loaded from scratch.
    static func metaspaceSession() throws -> TestSession {
        let session = try TestSession(loaded: false)
        let source = TestSession.repository.appendingPathComponent("Tests/Fixtures/chat_gemma_style")
        let folder = URL(fileURLWithPath: session.modelPath)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(file))
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let configFile = folder.appendingPathComponent("config.json")
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any])
        config["vocab_size"] = try Tokenizer(contentsOf: folder).vocabularySize
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        try session.run("load \(session.modelPath) --from-scratch")
        return session
    }

    static func generated(_ session: TestSession, _ line: String) throws -> String {
        try GenerationCompareTests.generated(session, line)
    }

    @Test func theSpaceAfterThePromptIsKeptWithAMetaspaceTokenizer() throws {
        let session = try Self.metaspaceSession()
        let workspace = try #require(session.controller.workspace)
        let tokenizer = try #require(workspace.tokenizer)
        let options = SamplingOptions(maxNewTokens: 6, stopTokens: Set([tokenizer.eosTokenId].compactMap { $0 }).union([0]))
        // A prompt whose first new token starts with the Metaspace "▁", which a decoder drops from
        // a sequence's first token.
        let prompts = ["The cat", "Hello", "A lighthouse", "We", "Numbers", "It is", "Good morning", "Yes"]
        let chosen = try prompts.lazy.map { prompt -> (String, [Int], [Int]) in
            let ids = tokenizer.encode(prompt, addSpecialTokens: false).ids
            return (prompt, ids, try TextGenerator(model: workspace.model).generate(prompt: ids, options: options))
        }.first { _, _, produced in produced.first.flatMap(tokenizer.token(forId:))?.hasPrefix("▁") == true }
        let (prompt, ids, produced) = try #require(chosen, "no prompt starts its continuation with a word")
        let text = try Self.generated(session, "generate \"\(prompt)\" max_new_tokens=6")
        #expect(text == tokenizer.decode(ids + produced, skipSpecialTokens: true), "\(text.debugDescription)")
        #expect(text.hasPrefix(prompt + " "), "\(text.debugDescription)")
    }

    @Test func chatRepliesThroughTheTemplate() throws {
        let session = try Self.metaspaceSession()
        let workspace = try #require(session.controller.workspace)
        let tokenizer = try #require(workspace.tokenizer)
        let template = try ChatTemplate(directory: URL(fileURLWithPath: session.modelPath))
        var chat = try ChatSession(model: workspace.model, tokenizer: tokenizer, template: template,
                                   options: SamplingOptions(maxNewTokens: 8, stopTokens: Set([tokenizer.eosTokenId].compactMap { $0 }).union([0])))
        let reply = try chat.reply(to: "Hi there")
        let pieces = PieceCollector()
        session.controller.generationObserver = { pieces.add($0) }
        let text = try Self.generated(session, "generate \"Hi there\" max_new_tokens=8 --chat")
        #expect(text == "Hi there\n" + reply, "\(text.debugDescription)")
        #expect(!text.contains("<start_of_turn>") && !text.contains("<end_of_turn>"), "\(text.debugDescription)")
        #expect(pieces.joined == text, "streamed as it came")
    }

    @Test func chatWithoutATemplateSaysSo() throws {
        let session = try TestSession()
        let failure = session.failure("generate hello --chat")
        #expect(failure.contains("the tokenizer has no chat template"), "\(failure)")
    }
}
