import FileAccess
import Foundation

/// How often each pre-tokenised piece ("word") occurs in the training text. Like the `tokenizers`
/// library's `train(files)`, every line, with its line ending, is pre-tokenised on its own.
struct TrainingWordCounts {
    /// Occurrences of each piece, keyed by the piece's UTF-8 bytes (not by `String`, whose
    /// equality would fold canonically equivalent pieces together).
    private(set) var counts: [[UInt8]: Int] = [:]

    /// Counts the pieces of every line of `text`.
    mutating func add(text: String) {
        let scalars = Array(text.unicodeScalars)
        var lineStart = 0
        while lineStart < scalars.count {
            var lineEnd = lineStart
            while lineEnd < scalars.count && scalars[lineEnd] != "\n" { lineEnd += 1 }
            lineEnd = min(lineEnd + 1, scalars.count)
            let line = Array(scalars[lineStart ..< lineEnd])
            for range in GPT2SplitPattern.pieces(of: line) {
                var bytes: [UInt8] = []
                for scalar in line[range] { UTF8.encode(scalar) { bytes.append($0) } }
                counts[bytes, default: 0] += 1
            }
            lineStart = lineEnd
        }
    }

    /// Counts the pieces of every line of the UTF-8 file at `url`.
    mutating func add(file url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw BPETrainingError.unreadableFile(path: url.path, reason: FileProblem.reading(url, error: error).description)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw BPETrainingError.notUTF8(path: url.path) }
        add(text: text)
    }
}
