import Jinja

/// One record of a chat dataset: a JSONL line `{"messages": [{"role": ..., "content": ...}, ...]}`
/// (OpenAI's format), its messages as the chat template sees them (members in the line's order),
/// and the line it came from, for messages about it.
public struct ChatConversation: Equatable {
    /// The 1-based line of the file.
    public let line: Int
    public let messages: [Value]
    /// The record's JSON text, which equality compares.
    let source: String

    public static func == (a: ChatConversation, b: ChatConversation) -> Bool { a.line == b.line && a.source == b.source }

    /// `role: content` a line, for showing the record.
    public var summary: String {
        messages.map { message in
            guard case let .object(members) = message else { return "" }
            let role = members["role"].flatMap { if case let .string(text) = $0 { return text } else { return nil } } ?? "?"
            let content = members["content"].flatMap { if case let .string(text) = $0 { return text } else { return nil } } ?? ""
            return "\(role): \(content)"
        }.joined(separator: "\n")
    }

    /// Reads the JSONL lines of a chat dataset named `name`; a malformed record is reported with
    /// its line and what is wrong with it.
    static func parse(lines: [(line: Int, text: Substring)], name: String) throws -> [ChatConversation] {
        try lines.map { line, text in
            func failure(_ reason: String) -> DataError { DataError("\(name):\(line): \(reason)") }
            let value: Value
            do { value = try Value.parsingJSON(text.utf8) } catch {
                throw failure("not valid JSON (\(error)); each line of a chat dataset is like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, ...]}")
            }
            guard case let .object(record) = value else { throw failure("not a JSON object; each line is like {\"messages\": [...]}") }
            guard let messagesValue = record["messages"] else {
                throw failure("no \"messages\" field (fields: \(record.keys.sorted().joined(separator: ", "))); every line of a chat dataset needs one")
            }
            guard case let .array(messages) = messagesValue, !messages.isEmpty else {
                throw failure("\"messages\" must be a non-empty list of {\"role\", \"content\"} objects")
            }
            for (index, message) in messages.enumerated() {
                guard case let .object(members) = message else { throw failure("message \(index + 1) is not a {\"role\", \"content\"} object") }
                guard case let .string(role)? = members["role"], !role.isEmpty else {
                    throw failure("message \(index + 1) has no \"role\" string (such as \"user\" or \"assistant\")")
                }
                guard case .string? = members["content"] else { throw failure("message \(index + 1) (\(role)) has no \"content\" string") }
            }
            return ChatConversation(line: line, messages: messages, source: String(text))
        }
    }
}
