import FileAccess
import Foundation
import Models

/// The records of a dataset file, before tokenisation, in the forms lorakit reads:
/// plain text (`.txt`: the whole file is one document), JSONL with `{"text"}`,
/// `{"prompt", "completion"}`, `{"text", "label"}` or `{"messages"}` (chat), CSV with `text,label` columns, and
/// pre-tokenised safetensors (`input_ids`, optional `attention_mask` and `labels`, used as given;
/// `[examples, length]`, or `[batches, batch, length]` read as its rows in order).
/// A `builtin:NAME` names a dataset that ships with lorakit.
public enum DataRecords: Equatable {
    /// Documents for causal-LM training.
    case texts([String])
    /// Prompt/completion pairs: the loss is on the completion only.
    case promptCompletions([(prompt: String, completion: String)])
    /// Texts with a class label (an integer, or a name mapped to its rank among the names).
    case classified([(text: String, label: String)])
    /// Conversations, rendered through the model's chat template: the loss is on the
    /// assistant's tokens.
    case conversations([ChatConversation])
    /// Token ids used as given, `[examples, length]`, with their masks and labels.
    case tokenized(ids: [[Int]], attentionMask: [[Int]]?, labels: [[Int]]?)

    public static func == (a: DataRecords, b: DataRecords) -> Bool {
        switch (a, b) {
        case let (.texts(x), .texts(y)): return x == y
        case let (.promptCompletions(x), .promptCompletions(y)): return x.map { [$0.prompt, $0.completion] } == y.map { [$0.prompt, $0.completion] }
        case let (.classified(x), .classified(y)): return x.map { [$0.text, $0.label] } == y.map { [$0.text, $0.label] }
        case let (.conversations(x), .conversations(y)): return x == y
        case let (.tokenized(a1, a2, a3), .tokenized(b1, b2, b3)): return a1 == b1 && a2 == b2 && a3 == b3
        default: return false
        }
    }

    /// Reads `spec` (a path or `builtin:NAME`); bad files are reported with file and line.
    public init(_ spec: String) throws {
        let url = try Self.resolve(spec)
        switch url.pathExtension.lowercased() {
        case "safetensors": self = try Self.tokenized(url, name: spec)
        case "jsonl": self = try Self.jsonl(Self.read(url, name: spec), name: spec)
        case "csv": self = try Self.csv(Self.read(url, name: spec), name: spec)
        default:
            let text = try Self.read(url, name: spec)
            guard !text.isEmpty else { throw DataError("\(spec) is empty; it holds no text to train on") }
            self = .texts([text])
        }
    }

    /// How many records there are.
    public var count: Int {
        switch self {
        case let .texts(t): return t.count
        case let .promptCompletions(p): return p.count
        case let .classified(c): return c.count
        case let .conversations(c): return c.count
        case let .tokenized(ids, _, _): return ids.count
        }
    }

    static func resolve(_ spec: String) throws -> URL {
        guard spec.hasPrefix("builtin:") else { return URL(fileURLWithPath: (spec as NSString).expandingTildeInPath) }
        let name = String(spec.dropFirst("builtin:".count))
        guard let url = BuiltinAssets.datasetFile(named: name) else {
            throw DataError("no built-in dataset named \(name); built-in datasets: \(BuiltinAssets.datasetNames.joined(separator: ", "))")
        }
        return url
    }

    static func read(_ url: URL, name: String) throws -> String {
        do {
            return try FileAccess.text(url, role: "the dataset", advice: "give a text, JSONL, CSV or safetensors file, or builtin:NAME")
        } catch let error as FileAccessError {
            throw DataError(error.description)
        }
    }

    /// JSONL: the form is fixed by the first record's fields, and every line must have them.
    static func jsonl(_ text: String, name: String) throws -> DataRecords {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : (line: index + 1, text: Substring(trimmed))
        }
        if let first = lines.first, let object = (try? JSONSerialization.jsonObject(with: Data(first.text.utf8))) as? [String: Any],
           object["messages"] != nil {
            return .conversations(try ChatConversation.parse(lines: lines, name: name))
        }
        var objects: [(line: Int, object: [String: Any])] = []
        for (line, trimmed) in lines {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw DataError("\(name):\(line): not a JSON object; each line must be like {\"text\": \"...\"}")
            }
            objects.append((line, object))
        }
        guard let first = objects.first?.object else { throw DataError("\(name) is empty; it holds no records") }
        func string(_ key: String, _ entry: (line: Int, object: [String: Any])) throws -> String {
            guard let value = entry.object[key] else {
                throw DataError("\(name):\(entry.line): no \"\(key)\" field (fields: \(entry.object.keys.sorted().joined(separator: ", ")))")
            }
            if key == "label", let number = value as? Int { return String(number) }
            guard let text = value as? String else { throw DataError("\(name):\(entry.line): \"\(key)\" must be a string") }
            return text
        }
        if first["prompt"] != nil || first["completion"] != nil {
            return .promptCompletions(try objects.map { (try string("prompt", $0), try string("completion", $0)) })
        }
        if first["label"] != nil {
            return .classified(try objects.map { (try string("text", $0), try string("label", $0)) })
        }
        return .texts(try objects.map { try string("text", $0) })
    }

    /// CSV with a header row naming `text` and `label` columns; quoted fields may hold commas,
    /// doubled quotes and line breaks.
    static func csv(_ text: String, name: String) throws -> DataRecords {
        let rows = try CSVRows.parse(text, name: name)
        guard let header = rows.first else { throw DataError("\(name) is empty; it needs a header row with text and label") }
        guard let textColumn = header.firstIndex(of: "text"), let labelColumn = header.firstIndex(of: "label") else {
            throw DataError("\(name):1: the header must name a text and a label column (found: \(header.joined(separator: ", ")))")
        }
        var records: [(String, String)] = []
        for (index, row) in rows.enumerated().dropFirst() where !(row.count == 1 && row[0].isEmpty) {
            guard row.count == header.count else {
                throw DataError("\(name):\(index + 1): \(row.count) fields, but the header has \(header.count)")
            }
            records.append((row[textColumn], row[labelColumn]))
        }
        guard !records.isEmpty else { throw DataError("\(name) has a header but no rows") }
        return .classified(records)
    }

    static func tokenized(_ url: URL, name: String) throws -> DataRecords {
        let file = try SafeTensorsFile(contentsOf: url)
        func rows(_ key: String) throws -> [[Int]]? {
            guard let info = file.info(named: key) else { return nil }
            guard info.shape.count == 2 || info.shape.count == 3, let length = info.shape.last, length > 0 else {
                throw DataError("\(name): \(key) must be [examples, length] (or [batches, batch, length]), is \(info.shape)")
            }
            let flat = try file.integers(named: key)
            return (0 ..< flat.count / length).map { Array(flat[$0 * length ..< ($0 + 1) * length]) }
        }
        guard let ids = try rows("input_ids") else { throw DataError("\(name) has no input_ids tensor") }
        let mask = try rows("attention_mask"), labels = try rows("labels")
        for (key, other) in [("attention_mask", mask), ("labels", labels)] {
            if let other, other.count != ids.count || other.first?.count != ids.first?.count || file.info(named: key)?.shape.count != file.info(named: "input_ids")?.shape.count {
                throw DataError("\(name): \(key) must have the shape of input_ids")
            }
        }
        guard !ids.isEmpty else { throw DataError("\(name) holds no examples") }
        return .tokenized(ids: ids, attentionMask: mask, labels: labels)
    }
}

/// A small RFC 4180 CSV reader.
enum CSVRows {
    static func parse(_ text: String, name: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var inQuotes = false, line = 1
        var characters = text.makeIterator()
        while let ch = characters.next() {
            if inQuotes {
                if ch == "\"" {
                    var lookahead = characters
                    if lookahead.next() == "\"" { field.append("\""); characters = lookahead } else { inQuotes = false }
                } else {
                    if ch == "\n" { line += 1 }
                    field.append(ch)
                }
                continue
            }
            switch ch {
            case "\"" where field.isEmpty: inQuotes = true
            case ",": row.append(field); field = ""
            case "\n", "\r\n":
                row.append(field); rows.append(row); row = []; field = ""; line += 1
            case "\r": continue
            default: field.append(ch)
            }
        }
        if inQuotes { throw DataError("\(name):\(line): a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
