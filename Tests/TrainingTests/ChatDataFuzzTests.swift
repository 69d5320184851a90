import FixtureSupport
import Foundation
import Testing
import Tokenizers
@testable import Training

/// Damaged and random chat datasets, with fixed seeds: each must read as records (which then
/// become examples through the chat_chatml template or are refused with a `DataError`) or be
/// refused with a `DataError` — never crash or hang.
@Suite struct ChatDataFuzzTests {
    static let seed = """
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi \\u00e9 🌍"}, {"role": "assistant", "content": "Hello."}]}
        {"messages": [{"role": "user", "content": "Two?"}, {"role": "assistant", "content": "Yes.", "extra": [1, 2.5, null, true]}]}
        """

    /// Reads `text` as a chat dataset and makes its examples; counts what happened.
    static func exercise(_ text: String, maker: ChatExamples, outcomes: inout [String: Int]) {
        do {
            let records = try DataRecords.jsonl(text, name: "fuzz.jsonl")
            guard case let .conversations(conversations) = records else { outcomes["other form", default: 0] += 1; return }
            _ = try maker.make(conversations, seqLen: 64)
            outcomes["trained", default: 0] += 1
        } catch is DataError {
            outcomes["refused", default: 0] += 1
        } catch {
            Issue.record("\(text.debugDescription): unexpected error \(error)")
        }
    }

    @Test func mutatedAndRandomDatasetsAreReadOrRefused() throws {
        let folder = FixtureCase.root.appendingPathComponent("chat_chatml")
        let maker = ChatExamples(template: try ChatTemplate(directory: folder), tokenizer: try Tokenizer(contentsOf: folder),
                                 assistantOnly: true, name: "fuzz.jsonl")
        var random = FuzzRandom(seed: 17)
        var outcomes: [String: Int] = [:]
        let original = Array(Self.seed.utf8)
        let alphabet = Array("{}[]\":,\\ntrue0.5-e\u{0}\u{1F30D}\n roleuserassistantcontentmessages".utf8)
        for _ in 0 ..< 1500 {
            var bytes = original
            for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
                let position = Int.random(in: 0 ..< max(1, bytes.count), using: &random)
                switch Int.random(in: 0 ..< 4, using: &random) {
                case 0 where !bytes.isEmpty: bytes[position] = alphabet.randomElement(using: &random)!
                case 1 where !bytes.isEmpty: bytes.remove(at: position)
                case 2: bytes.insert(alphabet.randomElement(using: &random)!, at: min(position, bytes.count))
                default: bytes = Array(bytes.prefix(position))
                }
            }
            Self.exercise(String(decoding: bytes, as: UTF8.self), maker: maker, outcomes: &outcomes)
        }
        for _ in 0 ..< 300 {
            let bytes = (0 ..< Int.random(in: 0 ..< 200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            Self.exercise(String(decoding: bytes, as: UTF8.self), maker: maker, outcomes: &outcomes)
        }
        #expect(outcomes["trained", default: 0] > 0 && outcomes["refused", default: 0] > 0, "\(outcomes)")
    }
}
