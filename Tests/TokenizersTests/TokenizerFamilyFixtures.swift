import Foundation
import Tokenizers

/// The tokenizer cases of the real families (`tokenizer_llama3_style`, ...): what the Hugging
/// Face `tokenizers` library gave for every text and pair of `expected.json`.
enum TokenizerFamilyFixtures {
    static let cases = ["tokenizer_llama3_style", "tokenizer_qwen2_style", "tokenizer_sentencepiece_bpe",
                        "tokenizer_metaspace_bpe", "tokenizer_unigram"]

    /// One text's results.
    struct Text: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let offsets: [[Int]]
        let idsNoSpecial: [Int]
        let tokensNoSpecial: [String]
        let offsetsNoSpecial: [[Int]]
        let decoded: String
        let decodedWithSpecial: String
        let idsTruncated: [Int]

        enum CodingKeys: String, CodingKey {
            case text, ids, tokens, offsets, decoded
            case idsNoSpecial = "ids_no_special", tokensNoSpecial = "tokens_no_special"
            case offsetsNoSpecial = "offsets_no_special", decodedWithSpecial = "decoded_with_special"
            case idsTruncated = "ids_truncated"
        }
    }

    /// One pair's results.
    struct Pair: Decodable {
        let text: String
        let textPair: String
        let ids: [Int]
        let tokens: [String]
        let typeIds: [Int]
        let sequenceIds: [Int?]
        let offsets: [[Int]]
        let idsNoSpecial: [Int]
        let idsTruncated: [Int]
        let typeIdsTruncated: [Int]
        let decoded: String
        let decodedWithSpecial: String

        enum CodingKeys: String, CodingKey {
            case text, ids, tokens, offsets, decoded
            case textPair = "text_pair", typeIds = "type_ids", sequenceIds = "sequence_ids"
            case idsNoSpecial = "ids_no_special", idsTruncated = "ids_truncated"
            case typeIdsTruncated = "type_ids_truncated", decodedWithSpecial = "decoded_with_special"
        }
    }

    struct Expected: Decodable {
        let encodings: [Text]
        let pairs: [Pair]
        let vocabSize: Int

        enum CodingKeys: String, CodingKey {
            case encodings, pairs
            case vocabSize = "vocab_size"
        }
    }

    static func directory(_ name: String) -> URL {
        TokenizerFixtures.directory(name)
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory(name).appendingPathComponent("expected.json")))
    }

    /// `case.json`'s `truncation.max_length`.
    static func truncationLength(_ name: String) throws -> Int {
        struct Case: Decodable {
            struct Truncation: Decodable { let max_length: Int }
            let truncation: Truncation
        }
        return try JSONDecoder().decode(Case.self, from: Data(contentsOf: directory(name).appendingPathComponent("case.json"))).truncation.max_length
    }

    static func ranges(_ offsets: [[Int]]) -> [Range<Int>] {
        offsets.map { $0[0]..<$0[1] }
    }
}
