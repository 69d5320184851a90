import Foundation
import Models

/// The documents of a training text source: a plain `.txt` file (one document, the whole file),
/// a `.jsonl` file of `{"text": ...}` records, or a built-in dataset (`builtin:NAME`).
public struct TextSource {
    /// Where the text came from, for messages.
    public let name: String
    /// The documents, in file order.
    public let documents: [String]

    /// Reads `spec`; bad files are reported with file and line.
    public init(_ spec: String) throws {
        let url: URL
        if spec.hasPrefix("builtin:") {
            let dataset = String(spec.dropFirst("builtin:".count))
            guard let found = BuiltinAssets.datasetFile(named: dataset) else {
                throw DataError("no built-in dataset named \(dataset); built-in datasets: \(BuiltinAssets.datasetNames.joined(separator: ", "))")
            }
            url = found
        } else {
            url = URL(fileURLWithPath: (spec as NSString).expandingTildeInPath)
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DataError("cannot read \(spec): \(error.localizedDescription)")
        }
        name = spec
        if url.pathExtension == "jsonl" {
            documents = try Self.jsonlTexts(text, file: spec)
        } else {
            documents = [text]
        }
        guard documents.contains(where: { !$0.isEmpty }) else { throw DataError("\(spec) is empty; it holds no text to train on") }
    }

    /// The `text` field of every line of a JSONL file (blank lines skipped).
    static func jsonlTexts(_ text: String, file: String) throws -> [String] {
        var texts: [String] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw DataError("\(file):\(index + 1): not a JSON object; each line must be like {\"text\": \"...\"}")
            }
            guard let value = object["text"] else {
                throw DataError("\(file):\(index + 1): no \"text\" field (fields: \(object.keys.sorted().joined(separator: ", ")))")
            }
            guard let string = value as? String else {
                throw DataError("\(file):\(index + 1): \"text\" must be a string")
            }
            texts.append(string)
        }
        return texts
    }
}
