import Foundation
import Jinja
import Testing
import Tokenizers

/// The chat_template cases: every conversation, with and without the generation prompt, renders
/// and tokenizes as transformers' `apply_chat_template` did (text, ids, tokens, assistant masks),
/// and the conversations the template refuses raise its message.
@Suite struct ChatTemplateFixtureTests {
    static let cases = ["chat_chatml", "chat_llama3_style", "chat_gemma_style"]

    struct Expected: Decodable {
        struct Result: Decodable {
            let conversation: Int
            let add_generation_prompt: Bool
            let raises: Bool
            let text: String?
            let ids: [Int]?
            let tokens: [String]?
            let assistant_masks: [Int]?
            let message: String?
        }

        let results: [Result]
        let raising_conversations: [Int]
    }

    static func load(_ name: String) throws -> (ChatTemplate, Tokenizer, [[Value]], Expected) {
        let directory = TokenizerFixtures.directory(name)
        guard case let .array(list) = try Value.parsingJSON(Data(contentsOf: directory.appendingPathComponent("conversations.json"))) else {
            throw TemplateError.runtime(message: "conversations.json is not a list")
        }
        let conversations = list.map { conversation -> [Value] in
            if case let .array(messages) = conversation { return messages }
            return []
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        return (try ChatTemplate(directory: directory), try Tokenizer(contentsOf: directory), conversations, expected)
    }

    @Test(arguments: cases) func rendersEveryConversation(_ name: String) throws {
        let (template, tokenizer, conversations, expected) = try Self.load(name)
        for result in expected.results where !result.raises {
            let what = "conversation \(result.conversation), generation prompt \(result.add_generation_prompt)"
            let applied = try template.apply(messages: conversations[result.conversation], addGenerationPrompt: result.add_generation_prompt,
                                             tokenizer: tokenizer)
            #expect(applied.text == result.text, "text of \(what)")
            #expect(applied.encoding.ids == result.ids, "ids of \(what)")
            #expect(applied.encoding.tokens == result.tokens, "tokens of \(what)")
            #expect(applied.assistantMasks == result.assistant_masks, "assistant masks of \(what)")
        }
    }

    @Test(arguments: cases) func raisesWhereTheTemplateRaises(_ name: String) throws {
        let (template, tokenizer, conversations, expected) = try Self.load(name)
        let raising = expected.results.filter(\.raises)
        #expect(Set(raising.map(\.conversation)) == Set(expected.raising_conversations))
        for result in raising {
            #expect(throws: TemplateError.raised(message: result.message ?? "")) {
                try template.apply(messages: conversations[result.conversation], addGenerationPrompt: result.add_generation_prompt,
                                   tokenizer: tokenizer)
            }
        }
    }

    @Test func templateFileIsPreferredToTheConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chat-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"chat_template": "from the config", "bos_token": {"content": "<s>"}}"#.utf8)
            .write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try Data("{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}\n".utf8)
            .write(to: folder.appendingPathComponent("chat_template.jinja"))
        let template = try ChatTemplate(directory: folder)
        let message = Value.object(Value.Dictionary([("role", .string("user")), ("content", .string("hi"))]))
        #expect(try template.render(messages: [message], addGenerationPrompt: false).text == "<s>[hi]")
    }

    @Test func folderWithoutTemplateIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chat-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"bos_token": "<s>"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        #expect(throws: TokenizerError.self) { try ChatTemplate(directory: folder) }
    }
}
