import Jinja
import Tokenizers

/// A conversation with a causal LM through its chat template, as transformers' chat pipelines hold
/// one: each user message is added, the conversation rendered with the generation prompt, and the
/// reply generated until the end-of-sequence token, the template's end-of-turn token (or text,
/// when it is not one token), or `maxNewTokens`; the reply then joins the conversation.
public struct ChatSession {
    public let template: ChatTemplate
    public let tokenizer: Tokenizer
    private let generator: TextGenerator
    public var options: SamplingOptions
    /// The messages so far.
    public private(set) var messages: [Value] = []
    /// Where a reply ends: the template's end of turn.
    public let stopStrings: [String]

    /// A conversation that starts with `system`, if given. The options' stop tokens gain the
    /// end-of-turn token and the tokenizer config's `eos_token`.
    public init(model: any PretrainedModel, tokenizer: Tokenizer, template: ChatTemplate, system: String? = nil, options: SamplingOptions) throws {
        generator = try TextGenerator(model: model)
        self.tokenizer = tokenizer
        self.template = template
        var options = options
        let ends = [template.endOfTurn, template.specialTokens["eos_token"]].compactMap { $0 }
        for end in ends {
            let ids = tokenizer.encode(end, addSpecialTokens: false).ids
            if ids.count == 1 { options.stopTokens.insert(ids[0]) }
        }
        self.options = options
        stopStrings = template.endOfTurn.map { [$0] } ?? []
        if let system { messages.append(Self.message("system", system)) }
    }

    /// A `{"role", "content"}` message.
    public static func message(_ role: String, _ content: String) -> Value {
        .object(Value.Dictionary([("role", .string(role)), ("content", .string(content))]))
    }

    /// The ids the model continues for the assistant's next turn after `user`.
    func promptIds(after user: String) throws -> [Int] {
        let text = try template.render(messages: messages + [Self.message("user", user)], addGenerationPrompt: true).text
        return tokenizer.encode(text, addSpecialTokens: false).ids
    }

    /// Adds `user`'s message, generates the reply (passing its text to `onText` as it comes; return
    /// false to stop), adds the reply to the conversation and returns it. A template that refuses
    /// the conversation throws its error and leaves the conversation as it was.
    @discardableResult
    public mutating func reply(to user: String, onText: (String) -> Bool = { _ in true }) throws -> String {
        let prompt = try promptIds(after: user)
        var decoder = IncrementalDecoder(tokenizer: tokenizer, prompt: prompt, stopStrings: stopStrings)
        _ = try generator.generate(prompt: prompt, options: options) { token in
            let piece = decoder.append(token)
            let going = piece.isEmpty || onText(piece)
            return going && !decoder.stopped
        }
        let rest = decoder.finish()
        if !rest.isEmpty { _ = onText(rest) }
        let answer = decoder.text
        messages += [Self.message("user", user), Self.message("assistant", answer)]
        return answer
    }
}
