import Foundation
import Testing
import Tokenizers

/// Every component or option lorakit does not implement is refused with the file, the field and
/// the name of what was asked for, in every stage and inside sequences.
@Suite struct TokenizerRefusalTests {
    /// A tokenizer.json with a one-token WordPiece model and the given sections.
    private static func json(normalizer: String = "null", preTokenizer: String = "null", postProcessor: String = "null",
                             decoder: String = "null") -> Data {
        Data("""
        {"version": "1.0", "added_tokens": [], "normalizer": \(normalizer), "pre_tokenizer": \(preTokenizer),
         "post_processor": \(postProcessor), "decoder": \(decoder),
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}}}
        """.utf8)
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let data: Data
        let field: String
        let named: String
        var testDescription: String { "\(field): \(named)" }
    }

    static let refusals: [Refusal] = [
        Refusal(data: json(normalizer: #"{"type": "Precompiled"}"#), field: "normalizer.type", named: "Precompiled"),
        Refusal(data: json(normalizer: #"{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Nmt"}]}"#),
                field: "normalizer.normalizers[1].type", named: "Nmt"),
        Refusal(data: json(preTokenizer: #"{"type": "UnicodeScripts"}"#), field: "pre_tokenizer.type", named: "UnicodeScripts"),
        Refusal(data: json(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "CharDelimiterSplit", "delimiter": "x"}]}"#),
                field: "pre_tokenizer.pretokenizers[0].type", named: "CharDelimiterSplit"),
        Refusal(data: json(preTokenizer: #"{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways", "invert": false}"#),
                field: "pre_tokenizer.behavior", named: "Sideways"),
        Refusal(data: json(preTokenizer: #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes", "split": true}"#),
                field: "pre_tokenizer.prepend_scheme", named: "sometimes"),
        Refusal(data: json(postProcessor: #"{"type": "BlankLines"}"#), field: "post_processor.type", named: "BlankLines"),
        Refusal(data: json(decoder: #"{"type": "CTC"}"#), field: "decoder.type", named: "CTC"),
        Refusal(data: json(decoder: #"{"type": "Sequence", "decoders": [{"type": "Fuse"}, {"type": "Mystery"}]}"#),
                field: "decoder.decoders[1].type", named: "Mystery"),
    ]

    @Test(arguments: refusals) func refusedWithTheComponentAndTheFile(_ refusal: Refusal) {
        do {
            _ = try Tokenizer(jsonData: refusal.data, sourceName: "odd/tokenizer.json")
            Issue.record("\(refusal.named) was accepted")
        } catch let error as TokenizerError {
            guard case let .unsupported(path, field, reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "odd/tokenizer.json")
            #expect(field == refusal.field)
            #expect(reason.contains("\"\(refusal.named)\""))
            #expect(error.description.contains("odd/tokenizer.json"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func invalidRegexIsNamed() {
        let data = Self.json(preTokenizer: #"{"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated", "invert": false}"#)
        #expect(throws: TokenizerError.invalidField(path: "tokenizer.json", field: "pre_tokenizer.pattern.Regex",
                                                   reason: "\"(unclosed\" is not a valid regular expression")) {
            try Tokenizer(jsonData: data)
        }
    }
}
