import FixtureSupport
import Foundation
import Testing
import Tokenizers

/// Damaged and random `tokenizer.json` files, with fixed seeds: every one must either load (and
/// then encode and decode without trouble) or throw a `TokenizerError`, never crash or hang.
@Suite struct TokenizerFuzzTests {
    private struct Outcomes {
        var loaded = 0
        var refused = 0
    }

    private static let texts = ["Hello, harbour! 123", "  two  spaces\tand\nlines ", "Café 日本 🙂 <s></s><|im_end|>", ""]

    private func exercise(_ data: Data, _ outcomes: inout Outcomes, _ label: @autoclosure () -> String) {
        let tokenizer: Tokenizer
        do {
            tokenizer = try Tokenizer(jsonData: data, sourceName: "fuzz.json")
        } catch is TokenizerError {
            outcomes.refused += 1
            return
        } catch {
            Issue.record("\(label()): unexpected error type \(error)")
            return
        }
        outcomes.loaded += 1
        for text in Self.texts {
            let encoding = tokenizer.encode(text, pair: "x y", maxLength: 7)
            if encoding.ids.count != encoding.tokens.count || encoding.ids.count != encoding.offsets.count {
                Issue.record("\(label()): ids, tokens and offsets differ in count")
            }
            _ = tokenizer.decode(encoding.ids + [-1, 1_000_000_000], skipSpecialTokens: true)
        }
    }

    /// The small fixture files: every component kind the families use.
    private static let fixtures = ["tokenizer_llama3_style", "tokenizer_qwen2_style", "tokenizer_sentencepiece_bpe",
                                   "tokenizer_metaspace_bpe", "tokenizer_unigram"]

    private static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A random JSON value of a random kind.
    private static func randomValue(_ random: inout FuzzRandom, depth: Int = 0) -> Any {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &random)
        case 2: return Int.random(in: -3...1000, using: &random)
        case 3: return Double.random(in: -2...2, using: &random)
        case 4: return ["", " ", "▁", "<s>", "Sequence", "Split", "BPE", "(", "\\p{L}+", "Isolated", "first"].randomElement(using: &random)!
        case 5 where depth < 3: return (0..<Int.random(in: 0..<3, using: &random)).map { _ in randomValue(&random, depth: depth + 1) }
        case 6 where depth < 3:
            let keys = ["type", "pattern", "content", "Regex", "String", "behavior", "id", "ids", "tokens", "vocab", "normalizers", "pretokenizers"]
            return Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0..<3, using: &random)).map { _ in
                (keys.randomElement(using: &random)!, randomValue(&random, depth: depth + 1))
            })
        default: return "x"
        }
    }

    /// `object` with one randomly chosen member somewhere inside replaced, deleted or added.
    private static func mutate(_ object: Any, _ random: inout FuzzRandom, depth: Int = 0) -> Any {
        if var dictionary = object as? [String: Any], !dictionary.isEmpty {
            // Descend into a member (never into the big vocab and merges), or change one here.
            let keys = dictionary.keys.sorted().filter { $0 != "vocab" && $0 != "merges" || depth > 0 && Bool.random(using: &random) }
            guard let key = keys.randomElement(using: &random) else { return object }
            switch Int.random(in: 0..<4, using: &random) {
            case 0: dictionary[key] = nil
            case 1: dictionary[key] = randomValue(&random)
            default: dictionary[key] = mutate(dictionary[key]!, &random, depth: depth + 1)
            }
            return dictionary
        }
        if var array = object as? [Any], !array.isEmpty {
            let index = Int.random(in: 0..<array.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: array.remove(at: index)
            case 1: array[index] = randomValue(&random)
            default: array[index] = mutate(array[index], &random, depth: depth + 1)
            }
            return array
        }
        return randomValue(&random)
    }

    @Test(arguments: fixtures) func mutatedComponents(_ name: String) throws {
        let original = try Self.json(name)
        var random = FuzzRandom(seed: 7)
        var outcomes = Outcomes()
        for round in 0..<120 {
            var mutated: Any = original
            for _ in 0..<Int.random(in: 1...3, using: &random) { mutated = Self.mutate(mutated, &random) }
            guard JSONSerialization.isValidJSONObject(mutated), let data = try? JSONSerialization.data(withJSONObject: mutated) else { continue }
            exercise(data, &outcomes, "\(name) mutation \(round)")
        }
        #expect(outcomes.loaded > 0 && outcomes.refused > 0)
    }

    @Test func damagedBytes() throws {
        let original = Array(TokenizerFixtures.minimalTokenizerJSON(
            model: #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"], "byte_fallback": true}"#,
            normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " +"}, "content": "▁"}]}"#))
        var random = FuzzRandom(seed: 3)
        var outcomes = Outcomes()
        for length in stride(from: 0, through: original.count, by: 3) {
            exercise(Data(original.prefix(length)), &outcomes, "truncated to \(length)")
        }
        for round in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(Array(#"{}[]",:0"#.utf8).randomElement(using: &random)!, at: index)
                }
            }
            exercise(Data(bytes), &outcomes, "damaged bytes \(round)")
        }
        #expect(outcomes.loaded > 0 && outcomes.refused > 0)
    }

    @Test func randomBytes() {
        var random = FuzzRandom(seed: 5)
        var outcomes = Outcomes()
        for round in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            exercise(Data(bytes), &outcomes, "random bytes \(round)")
        }
        #expect(outcomes.refused == 200)
    }
}
