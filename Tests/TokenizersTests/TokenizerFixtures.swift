import Foundation
import Tokenizers
import Testing

/// The tokenizer fixture cases copied into `Tests/Fixtures`: the `tokenizer.json` and what the
/// Hugging Face `tokenizers` library produced for each text (`expected.json`).
enum TokenizerFixtures {
    /// One text of `expected.json` with the library's results.
    struct ExpectedEncoding: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let offsets: [[Int]]
        let idsNoSpecial: [Int]
        let decoded: String
        let idsTruncated128: [Int]?

        enum CodingKeys: String, CodingKey {
            case text, ids, tokens, offsets, decoded
            case idsNoSpecial = "ids_no_special"
            case idsTruncated128 = "ids_truncated_128"
        }

        /// The offsets as ranges, the form `Encoding.offsets` has.
        var offsetRanges: [Range<Int>] { offsets.map { $0[0]..<$0[1] } }
    }

    /// The whole `expected.json` of a case.
    struct Expected: Decodable {
        let encodings: [ExpectedEncoding]
        let vocabSize: Int

        enum CodingKeys: String, CodingKey {
            case encodings
            case vocabSize = "vocab_size"
        }
    }

    static let wordPiece = "tokenizer_wordpiece_minilm"
    static let byteLevelBPE = "tokenizer_bytelevel_bpe"

    /// `Tests/Fixtures/<name>`.
    static func directory(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TokenizersTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("Fixtures")
            .appendingPathComponent(name)
    }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: directory(name).appendingPathComponent("tokenizer.json"))
    }

    /// The tokenizer of case `name` with its `tokenizer.json` changed by `edit` first.
    static func tokenizer(_ name: String, editing edit: (inout [String: Any]) -> Void) throws -> Tokenizer {
        let data = try Data(contentsOf: directory(name).appendingPathComponent("tokenizer.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&json)
        return try Tokenizer(jsonData: JSONSerialization.data(withJSONObject: json), sourceName: "edited \(name)")
    }

    /// A small `tokenizer.json` with the given model and normalizer sections, a BERT pre-tokenizer
    /// and nothing else.
    static func minimalTokenizerJSON(model: String, normalizer: String = "null") -> Data {
        Data("""
        {"version": "1.0", "added_tokens": [], "normalizer": \(normalizer),
         "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": null, "decoder": null, "model": \(model)}
        """.utf8)
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: directory(name).appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    static func texts(_ name: String) throws -> [String] {
        let data = try Data(contentsOf: directory(name).appendingPathComponent("texts.json"))
        return try JSONDecoder().decode([String].self, from: data)
    }
}
