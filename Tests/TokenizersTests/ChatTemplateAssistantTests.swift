import Foundation
import Jinja
import Testing
import Tokenizers

/// What a chat template says about the assistant's turns: where one ends (the stop for
/// `generate --chat`) and how its tokens are found for assistant-only loss.
@Suite struct ChatTemplateAssistantTests {
    @Test(arguments: [("chat_chatml", "<|im_end|>", ChatTemplate.AssistantMarking.generationBlocks),
                      ("chat_llama3_style", "<|eot_id|>", .prefixes), ("chat_gemma_style", "<end_of_turn>", .prefixes)])
    func endOfTurnAndMarking(_ name: String, _ end: String, _ marking: ChatTemplate.AssistantMarking) throws {
        let template = try ChatTemplate(directory: TokenizerFixtures.directory(name))
        #expect(template.endOfTurn == end)
        #expect(template.assistantMarking == marking)
    }

    @Test func aTemplateThatWritesNothingAfterTheReplyHasNoEndOfTurn() throws {
        let template = try ChatTemplate(source: "{% for m in messages %}{{ m.content }}{% endfor %}")
        #expect(template.endOfTurn == nil)
        #expect(try ChatTemplate(source: "{{ raise_exception('no') }}").endOfTurn == nil)
    }

    @Test func aTemplateFileNamedBesideTheFolderIsUsedWithTheFoldersSpecialTokens() throws {
        let folder = TokenizerFixtures.directory("chat_llama3_style")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-template-\(UUID().uuidString).jinja")
        try Data("{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let template = try ChatTemplate(directory: folder, templateFile: file)
        let message = Value.object(Value.Dictionary([("role", .string("user")), ("content", .string("hi"))]))
        #expect(try template.render(messages: [message], addGenerationPrompt: false).text == "<|begin_of_text|>hi<|eot_id|>")
        #expect(throws: TokenizerError.self) { try ChatTemplate(directory: folder, templateFile: file.appendingPathExtension("missing")) }
    }
}
