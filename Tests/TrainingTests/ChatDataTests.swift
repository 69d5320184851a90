import FixtureSupport
import Foundation
import Jinja
import Testing
import Tokenizers
@testable import Training

/// Chat data (`{"messages": [...]}` JSONL) through the model's chat template, with loss on the
/// assistant's tokens: by the template's generation blocks (chat_chatml, transformers'
/// `assistant_masks`), else by conversation prefixes (chat_llama3_style and chat_gemma_style
/// against transformers' masks for the same templates with generation blocks written in,
/// Tests/Fixtures/chat_prefix_masks), and malformed records refused with their line.
@Suite struct ChatDataTests {
    /// A scratch file removed when the value is released.
    final class ScratchFile {
        let url: URL
        init(_ text: String, suffix: String = ".jsonl") throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-chat-\(UUID().uuidString)\(suffix)")
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    static func folder(_ name: String) -> URL { FixtureCase.root.appendingPathComponent(name) }

    /// The case's conversations as chat records, one a line.
    static func conversations(_ name: String) throws -> [ChatConversation] {
        let list = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: folder(name).appendingPathComponent("conversations.json"))) as? [Any])
        let lines = try list.enumerated().map { index, messages in
            (line: index + 1, text: Substring(String(decoding: try JSONSerialization.data(withJSONObject: ["messages": messages]), as: UTF8.self)))
        }
        return try ChatConversation.parse(lines: lines, name: name)
    }

    static func maker(_ name: String, assistantOnly: Bool = true) throws -> ChatExamples {
        ChatExamples(template: try ChatTemplate(directory: folder(name)), tokenizer: try Tokenizer(contentsOf: folder(name)),
                     assistantOnly: assistantOnly, name: name)
    }

    static func labels(ids: [Int], masks: [Int]) -> [Int] { zip(ids, masks).map { $1 == 1 ? $0 : -100 } }

    @Test func generationBlocksGiveTransformersAssistantMasks() throws {
        let maker = try Self.maker("chat_chatml")
        #expect(maker.template.assistantMarking == .generationBlocks)
        let conversations = try Self.conversations("chat_chatml")
        let expected = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder("chat_chatml").appendingPathComponent("expected.json"))) as? [String: Any])
        let results = try #require(expected["results"] as? [[String: Any]]).filter { $0["add_generation_prompt"] as? Bool == false }
        var trained = 0
        for result in results {
            let index = try #require(result["conversation"] as? Int)
            let ids = try #require(result["ids"] as? [Int]), masks = try #require(result["assistant_masks"] as? [Int])
            if masks.contains(1) {
                let example = try maker.example(conversations[index])
                #expect(example.ids == ids, "conversation \(index)")
                #expect(example.labels == Self.labels(ids: ids, masks: masks), "conversation \(index)")
                trained += 1
            } else {
                #expect(throws: DataError.self) { try maker.example(conversations[index]) }
            }
        }
        #expect(trained >= 2)
    }

    @Test(arguments: ["chat_llama3_style", "chat_gemma_style"])
    func prefixesGiveTheMasksOfGenerationBlocksAroundEachTurn(_ name: String) throws {
        let maker = try Self.maker(name)
        #expect(maker.template.assistantMarking == .prefixes)
        let conversations = try Self.conversations(name)
        let reference = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: Self.folder("chat_prefix_masks").appendingPathComponent("expected.json"))) as? [String: Any])
        let results = try #require(((reference["cases"] as? [String: Any])?[name] as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.count == conversations.count)
        var outcomes: [String: Int] = [:]
        for result in results {
            let index = try #require(result["conversation"] as? Int)
            func refusal(_ fragment: String) {
                do {
                    _ = try maker.example(conversations[index])
                    Issue.record("\(name) conversation \(index) should be refused (\(fragment))")
                } catch {
                    let message = "\(error)"
                    #expect(message.contains(fragment) && message.hasPrefix("\(name):\(index + 1): "), "\(message)")
                }
            }
            if result["raises"] as? Bool == true {
                refusal("the chat template refused the conversation: \(result["message"] as? String ?? "")")
                outcomes["raises", default: 0] += 1
            } else if result["has_assistant"] as? Bool == false {
                refusal("no assistant tokens")
                outcomes["no assistant", default: 0] += 1
            } else if result["prefixes_consistent"] as? Bool == false {
                refusal("cannot be told apart")
                outcomes["inconsistent", default: 0] += 1
            } else {
                let ids = try #require(result["ids"] as? [Int]), masks = try #require(result["assistant_masks"] as? [Int])
                let example = try maker.example(conversations[index])
                #expect(example.ids == ids, "\(name) conversation \(index)")
                #expect(example.labels == Self.labels(ids: ids, masks: masks), "\(name) conversation \(index)")
                outcomes["trained", default: 0] += 1
            }
        }
        #expect(outcomes["trained", default: 0] >= 3, "\(outcomes)")
    }

    @Test func withoutAssistantOnlyLossEveryTokenIsATarget() throws {
        let maker = try Self.maker("chat_llama3_style", assistantOnly: false)
        let conversation = try Self.conversations("chat_llama3_style")[0]
        let example = try maker.example(conversation)
        #expect(!example.ids.isEmpty && example.labels == example.ids)
    }

    @Test func examplesAreCutToSeqLenAndTheLogSaysHowTheLossIsConfined() throws {
        let maker = try Self.maker("chat_gemma_style")
        let conversations = try Self.conversations("chat_gemma_style").filter { (try? maker.example($0)) != nil }
        let made = try maker.make(conversations, seqLen: 8)
        #expect(made.examples.allSatisfy { $0.ids.count <= 8 && $0.ids.count == $0.labels.count })
        #expect(made.notes[0].contains("no {% generation %} blocks"), "\(made.notes)")
        #expect(made.notes.contains { $0.contains("no assistant token within seq_len 8") }, "\(made.notes)")
    }

    @Test func aChatDatasetFileReadsAsConversations() throws {
        let file = try ScratchFile("""
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}

            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "Because."}]}
            """)
        let records = try DataRecords(file.url.path)
        guard case let .conversations(conversations) = records else { Issue.record("not read as chat data: \(records)"); return }
        #expect(conversations.map(\.line) == [1, 3])
        #expect(conversations[1].summary == "system: Be brief.\nuser: Why?\nassistant: Because.")
        let examples = try TrainingExamples(records, tokenizer: { try Tokenizer(contentsOf: Self.folder("chat_chatml")) }, seqLen: 256,
                                            chatTemplate: { try ChatTemplate(directory: Self.folder("chat_chatml")) }, name: "chat.jsonl")
        #expect(examples.examples.count == 2 && examples.notes.first?.contains("{% generation %} blocks mark") == true)
    }

    @Test func malformedRecordsAreRefusedWithTheirLine() throws {
        let good = #"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}"#
        let cases: [(String, String)] = [
            ("{\"messages\": []}", "\"messages\" must be a non-empty list"),
            ("{\"messages\": \"Hi\"}", "\"messages\" must be a non-empty list"),
            ("{\"messages\": [{\"role\": \"user\"}]}", "message 1 (user) has no \"content\" string"),
            ("{\"messages\": [{\"role\": \"user\", \"content\": 3}]}", "message 1 (user) has no \"content\" string"),
            ("{\"messages\": [{\"content\": \"Hi\"}]}", "message 1 has no \"role\" string"),
            ("{\"messages\": [\"Hi\"]}", "message 1 is not a {\"role\", \"content\"} object"),
            ("{\"text\": \"Hi\"}", "no \"messages\" field (fields: text)"),
            ("[1, 2]", "not a JSON object"),
            ("{\"messages\": [", "not valid JSON"),
        ]
        for (line, fragment) in cases {
            let file = try ScratchFile(good + "\n" + line + "\n")
            do {
                _ = try DataRecords(file.url.path)
                Issue.record("\(line) was accepted")
            } catch let error as DataError {
                #expect(error.message.contains(":2: ") && error.message.contains(fragment), "\(line): \(error.message)")
            }
        }
    }

    @Test func aTemplateThatRaisesIsReportedWithTheLine() throws {
        let maker = try Self.maker("chat_gemma_style")
        let file = try ScratchFile(#"{"messages": [{"role": "assistant", "content": "I speak first."}]}"# + "\n")
        guard case let .conversations(conversations) = try DataRecords(file.url.path) else { Issue.record("not chat data"); return }
        #expect(throws: DataError.self) { try maker.example(conversations[0]) }
        do { _ = try maker.example(conversations[0]) } catch {
            #expect("\(error)".contains("chat_gemma_style:1: the chat template refused the conversation: Roles must alternate"), "\(error)")
        }
    }

    @Test func recipeKeysForChatData() throws {
        let recipe = try Recipe(yaml: "model: m\ndata: d.jsonl\noutput_dir: o\nmax_steps: 1\nchat_template: t.jinja\nassistant_only_loss: false\n", source: "r")
        #expect(recipe.chatTemplate == "t.jinja" && !recipe.assistantOnlyLoss)
        #expect(try Recipe(yaml: "model: m\ndata: d\noutput_dir: o\nmax_steps: 1\n", source: "r").assistantOnlyLoss)
        #expect(throws: RecipeError.self) { try Recipe(yaml: "model: m\ndata: d\noutput_dir: o\nmax_steps: 1\nassistant_only_loss: maybe\n", source: "r") }
    }
}
