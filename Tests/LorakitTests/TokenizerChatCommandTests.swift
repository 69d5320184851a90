import Foundation
import Testing

/// `lorakit tokenizer chat DIR CONVERSATION.json [--add-generation-prompt]`, the real binary,
/// against the chat_template cases: the JSON it prints, and a non-zero exit with the template's
/// message for the conversations that raise.
@Suite struct TokenizerChatCommandTests {
    struct Expected: Decodable {
        struct Result: Decodable {
            let conversation: Int
            let add_generation_prompt: Bool
            let raises: Bool
            let text: String?
            let ids: [Int]?
            let assistant_masks: [Int]?
            let message: String?
        }

        let results: [Result]
    }

    struct Printed: Decodable {
        let text: String
        let ids: [Int]
        let assistant_masks: [Int]?
    }

    @Test(arguments: ["chat_chatml", "chat_llama3_style", "chat_gemma_style"]) func chatThroughTheBinary(_ name: String) throws {
        let directory = TokenizerCommandTests.directory(name)
        let conversations = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("conversations.json"))) as? [Any])
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: scratch) }
        for result in expected.results {
            try JSONSerialization.data(withJSONObject: conversations[result.conversation]).write(to: scratch)
            let arguments = ["tokenizer", "chat", directory.path, scratch.path] + (result.add_generation_prompt ? ["--add-generation-prompt"] : [])
            let run = try LorakitBinary.run(arguments)
            let what = "conversation \(result.conversation), generation prompt \(result.add_generation_prompt)"
            if result.raises {
                #expect(run.status != 0, "\(what) should fail")
                #expect(run.error.contains(result.message ?? "?"), "message of \(what): \(run.error)")
                continue
            }
            #expect(run.status == 0, "\(what): \(run.error)")
            let printed = try JSONDecoder().decode(Printed.self, from: Data(run.output.utf8))
            #expect(printed.text == result.text, "text of \(what)")
            #expect(printed.ids == result.ids, "ids of \(what)")
            #expect(printed.assistant_masks == result.assistant_masks, "masks of \(what)")
        }
    }

    @Test func conversationThatIsNotAListIsRefused() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try Data(#"{"role": "user"}"#.utf8).write(to: scratch)
        let run = try LorakitBinary.run(["tokenizer", "chat", TokenizerCommandTests.directory("chat_chatml").path, scratch.path])
        #expect(run.status != 0)
        #expect(run.error.contains("a conversation is a JSON list"))
    }
}
