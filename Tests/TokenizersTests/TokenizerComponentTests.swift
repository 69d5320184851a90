import Foundation
import Testing
import Tokenizers

/// The components and options the family fixtures do not exercise, each in a small tokenizer.json
/// of `Tests/Fixtures/tokenizer_components/cases.json` (made by
/// scripts/tokenizer-components-reference.py with the Hugging Face `tokenizers` library): ids,
/// tokens, offsets, pairs and decoding as the library gave them.
@Suite struct TokenizerComponentTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let tokenizerJSON: Data
        let texts: [[String: Any]]
        let pairs: [[String: Any]]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let file = TokenizerFixtures.directory("tokenizer_components").appendingPathComponent("cases.json")
        guard let data = try? Data(contentsOf: file), let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else { return [] }
        return list.compactMap { entry in
            guard let name = entry["name"] as? String, let tokenizer = entry["tokenizer"],
                  let json = try? JSONSerialization.data(withJSONObject: tokenizer) else { return nil }
            return Case(name: name, tokenizerJSON: json, texts: entry["texts"] as? [[String: Any]] ?? [], pairs: entry["pairs"] as? [[String: Any]] ?? [])
        }
    }()

    private static func ranges(_ value: Any?) -> [Range<Int>] {
        (value as? [[Int]] ?? []).map { $0[0]..<$0[1] }
    }

    @Test func everyCaseIsThere() {
        #expect(Self.cases.count == 43)
    }

    @Test(arguments: cases) func encodesAndDecodesAsTheLibrary(_ reference: Case) throws {
        let tokenizer = try Tokenizer(jsonData: reference.tokenizerJSON, sourceName: reference.name)
        for text in reference.texts {
            let input = text["text"] as? String ?? ""
            let encoding = tokenizer.encode(input)
            #expect(encoding.ids == text["ids"] as? [Int], "ids of \(input.debugDescription)")
            #expect(encoding.tokens == text["tokens"] as? [String], "tokens of \(input.debugDescription)")
            #expect(encoding.offsets == Self.ranges(text["offsets"]), "offsets of \(input.debugDescription)")
            #expect(tokenizer.decode(encoding.ids) == text["decoded"] as? String, "decoding of \(input.debugDescription)")
        }
        for pair in reference.pairs {
            let encoding = tokenizer.encode(pair["text"] as? String ?? "", pair: pair["text_pair"] as? String ?? "")
            #expect(encoding.ids == pair["ids"] as? [Int], "ids of pair \(pair)")
            #expect(encoding.tokens == pair["tokens"] as? [String], "tokens of pair \(pair)")
            #expect(encoding.typeIds == pair["type_ids"] as? [Int], "type ids of pair \(pair)")
            #expect(encoding.offsets == Self.ranges(pair["offsets"]), "offsets of pair \(pair)")
        }
    }
}
