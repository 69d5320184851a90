import Foundation
import Jinja

extension ChatTemplate {
    /// How the assistant's part of a rendered conversation is found, for loss on assistant tokens.
    public enum AssistantMarking: Equatable, Sendable {
        /// The template's `{% generation %}` blocks mark it, as transformers'
        /// `return_assistant_tokens_mask` reads them.
        case generationBlocks
        /// The template has none: each assistant turn is what the conversation adds after the
        /// conversation before it rendered with the generation prompt, up to the end of the turn
        /// (whitespace after the turn's last token left out).
        case prefixes

        /// What a log line says of it.
        public var explanation: String {
            switch self {
            case .generationBlocks: return "the assistant tokens are those the template's {% generation %} blocks mark"
            case .prefixes: return "the template has no {% generation %} blocks, so each assistant turn is found by rendering the conversation before it with the generation prompt"
            }
        }
    }

    /// How this template's assistant turns are found.
    public var assistantMarking: AssistantMarking { hasGenerationBlock ? .generationBlocks : .prefixes }

    /// A conversation that cannot be trained on with loss on the assistant's tokens.
    public struct AssistantSpanError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The rendered conversation (no generation prompt) and the code-point spans of its assistant
    /// turns, found as `assistantMarking` says.
    public func assistantSpans(messages: [Value]) throws -> (text: String, spans: [Range<Int>]) {
        let whole = try render(messages: messages, addGenerationPrompt: false)
        guard assistantMarking == .prefixes else { return (whole.text, whole.generationSpans) }
        var spans: [Range<Int>] = []
        for (index, message) in messages.enumerated() where Self.role(of: message) == "assistant" {
            let before = index == 0 ? "" : try render(messages: Array(messages[..<index]), addGenerationPrompt: true).text
            let through = try render(messages: Array(messages[...index]), addGenerationPrompt: false).text
            guard whole.text.hasPrefix(through), through.hasPrefix(before) else {
                throw AssistantSpanError(description: "the template renders the conversation before assistant message \(index + 1) "
                    + "(with the generation prompt) as something other than the start of the conversation, so the assistant's tokens "
                    + "cannot be told apart; give the template {% generation %} blocks around the assistant's turns")
            }
            let end = through.unicodeScalars.count - through.unicodeScalars.reversed().prefix { $0.properties.isWhitespace }.count
            let start = before.unicodeScalars.count
            if start < end { spans.append(start ..< end) }
        }
        return (whole.text, spans)
    }

    /// The text after an assistant's words that ends its turn (`<|im_end|>`, `<|eot_id|>`,
    /// `<end_of_turn>`): what the template writes after a reply, whitespace trimmed; nil when it
    /// writes nothing there or refuses a plain user-then-assistant conversation.
    public var endOfTurn: String? {
        let question = "lorakit probe question", answer = "lorakit probe answer"
        func message(_ role: String, _ content: String) -> Value {
            .object(Value.Dictionary([("role", .string(role)), ("content", .string(content))]))
        }
        guard let text = try? render(messages: [message("user", question), message("assistant", answer)], addGenerationPrompt: false).text,
              let found = text.range(of: answer, options: .backwards) else { return nil }
        let after = text[found.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        return after.isEmpty ? nil : after
    }

    /// A message's `role`, when it is a string.
    static func role(of message: Value) -> String? {
        guard case let .object(members) = message, case let .string(role)? = members["role"] else { return nil }
        return role
    }
}
