import FileAccess
import Foundation
import JSON
import Jinja

/// A model's chat template, rendered as transformers' `apply_chat_template` renders it: the
/// Jinja source from `chat_template.jinja` or `tokenizer_config.json`'s `chat_template`, with
/// `messages`, `add_generation_prompt`, `tools` and `documents` (none) and the special-token
/// strings the config sets (`bos_token`, `eos_token`, ...).
public struct ChatTemplate {
    /// The template's Jinja source.
    public let source: String
    private let template: Template
    /// Whether the template has a `{% generation %}` block, which marks the assistant's tokens.
    public var hasGenerationBlock: Bool { template.hasGenerationBlock }
    /// The special-token variables (`bos_token`, ...) from the tokenizer config.
    public let specialTokens: [String: String]

    /// A conversation rendered and tokenized: the text, its ids (the text encoded without the
    /// post-processor's tokens, as transformers does), and per id whether it is part of an
    /// assistant's turn as the template's `{% generation %}` blocks mark it.
    public struct Result {
        public let text: String
        public let encoding: Encoding
        /// `nil` when the template has no generation block.
        public let assistantMasks: [Int]?
    }

    private static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// Reads the template of the tokenizer folder `directory`: `templateFile` if given, else
    /// `chat_template.jinja` if there is one (transformers 5 writes it), else
    /// `tokenizer_config.json`'s `chat_template`. The special-token strings come from the folder's
    /// `tokenizer_config.json` either way.
    public init(directory: URL, templateFile: URL? = nil) throws {
        let configFile = directory.appendingPathComponent("tokenizer_config.json")
        var config = JSONValue.object([])
        if FileManager.default.fileExists(atPath: configFile.path) {
            let data: Data
            do {
                data = try Data(contentsOf: configFile)
            } catch {
                throw TokenizerError.unreadableFile(path: configFile.path, reason: error.localizedDescription)
            }
            guard let object = try? JSONParser.parse(data), object.members != nil else {
                throw TokenizerError.malformedJSON(path: configFile.path, reason: "it is not a JSON object")
            }
            config = object
        }
        let jinjaFile = templateFile ?? directory.appendingPathComponent("chat_template.jinja")
        let source: String
        if templateFile != nil || FileManager.default.fileExists(atPath: jinjaFile.path) {
            let data: Data
            do {
                data = try Data(contentsOf: jinjaFile)
            } catch {
                throw TokenizerError.unreadableFile(path: jinjaFile.path, reason: FileProblem.reading(jinjaFile, error: error).description)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TokenizerError.unreadableFile(path: jinjaFile.path, reason: "it is not UTF-8 text")
            }
            source = text
        } else if let text = config["chat_template"]?.stringValue {
            source = text
        } else if let named = config["chat_template"]?.elements,
                  let text = (named.first { $0["name"]?.stringValue == "default" } ?? named.first)?["template"]?.stringValue {
            source = text
        } else {
            throw TokenizerError.invalidField(path: configFile.path, field: "chat_template",
                                              reason: "the tokenizer has no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json)")
        }
        var specialTokens: [String: String] = [:]
        for name in Self.specialTokenNames {
            if let token = config[name]?.stringValue ?? config[name]?["content"]?.stringValue {
                specialTokens[name] = token
            }
        }
        try self.init(source: source, specialTokens: specialTokens)
    }

    /// A template from its source.
    public init(source: String, specialTokens: [String: String] = [:]) throws {
        self.source = source
        self.specialTokens = specialTokens
        template = try Template(source)
    }

    /// The text of `messages` (each an object with `role` and `content`; members that are none
    /// are dropped first, as transformers does).
    public func render(messages: [Value], addGenerationPrompt: Bool) throws -> Template.Rendered {
        let conversation = messages.map { message -> Value in
            guard case let .object(members) = message else { return message }
            return .object(Value.Dictionary(members.members.filter { !$0.1.isNone }))
        }
        var variables: [String: Value] = [
            "messages": .array(conversation),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "tools": .none,
            "documents": .none,
        ]
        for (name, token) in specialTokens { variables[name] = .string(token) }
        return try template.render(variables)
    }

    /// Renders `messages` and tokenizes the text with `tokenizer`.
    public func apply(messages: [Value], addGenerationPrompt: Bool, tokenizer: Tokenizer) throws -> Result {
        let rendered = try render(messages: messages, addGenerationPrompt: addGenerationPrompt)
        let encoding = tokenizer.encode(rendered.text, addSpecialTokens: false)
        let masks = template.hasGenerationBlock ? Self.assistantMasks(spans: rendered.generationSpans, offsets: encoding.offsets) : nil
        return Result(text: rendered.text, encoding: encoding, assistantMasks: masks)
    }

    /// The messages of a conversation file: a JSON list of message objects.
    public static func conversation(fromJSON data: Data, name: String) throws -> [Value] {
        let value: Value
        do {
            value = try Value.parsingJSON(data)
        } catch {
            throw TokenizerError.malformedJSON(path: name, reason: "\(error)")
        }
        guard case let .array(messages) = value, messages.allSatisfy({ if case .object = $0 { return true } else { return false } }) else {
            throw TokenizerError.invalidField(path: name, field: "messages",
                                              reason: "a conversation is a JSON list of {\"role\": ..., \"content\": ...} objects")
        }
        return messages
    }

    /// transformers' mask: for each span, the tokens from the one holding its first character to
    /// the one holding its last (to the end when that token is the first or none); a span whose
    /// first character is in no token stops the marking.
    public static func assistantMasks(spans: [Range<Int>], offsets: [Range<Int>]) -> [Int] {
        var masks = [Int](repeating: 0, count: offsets.count)
        func token(at character: Int) -> Int? {
            offsets.firstIndex { $0.lowerBound <= character && character < $0.upperBound }
        }
        for span in spans {
            guard let start = token(at: span.lowerBound) else { break }
            let end = token(at: span.upperBound - 1)
            let last = end.flatMap { $0 == 0 ? nil : $0 } ?? offsets.count - 1
            if start <= last { for index in start...last { masks[index] = 1 } }
        }
        return masks
    }
}
