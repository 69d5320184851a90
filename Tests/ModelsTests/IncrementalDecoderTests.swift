import FixtureSupport
import Foundation
import Models
import Testing
import Tokenizers

/// Streaming the text of generated tokens: the continuation keeps the space a Metaspace decoder
/// would drop from a sequence's first token, characters split over byte tokens wait to be whole,
/// and the text ends before a stop string.
@Suite struct IncrementalDecoderTests {
    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(contentsOf: FixtureCase.root.appendingPathComponent("\(name)/tokenizer.json"))
    }

    /// The pieces `ids` release after `prompt`, and what `finish` adds.
    static func stream(_ tokenizer: Tokenizer, prompt: [Int], _ ids: [Int], stopStrings: [String] = []) -> (pieces: [String], decoder: IncrementalDecoder) {
        var decoder = IncrementalDecoder(tokenizer: tokenizer, prompt: prompt, stopStrings: stopStrings)
        var pieces = ids.map { decoder.append($0) }
        pieces.append(decoder.finish())
        return (pieces, decoder)
    }

    @Test(arguments: ["tokenizer_metaspace_bpe", "tokenizer_sentencepiece_bpe", "tokenizer_llama3_style"])
    func theContinuationIsTheWholeTextAfterThePrompt(_ name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let prompt = tokenizer.encode("The cat", addSpecialTokens: false).ids
        let continuation = tokenizer.encode(" sat down", addSpecialTokens: false).ids
        let (pieces, decoder) = Self.stream(tokenizer, prompt: prompt, continuation)
        let whole = tokenizer.decode(prompt + continuation, skipSpecialTokens: true)
        #expect(tokenizer.decode(prompt, skipSpecialTokens: true) + pieces.joined() == whole, "\(pieces)")
        #expect(decoder.text.hasPrefix(" "), "\(name): \(decoder.text.debugDescription)")
        if name == "tokenizer_metaspace_bpe" {
            // Decoded alone, the new tokens lose their space: the defect this guards against.
            #expect(!tokenizer.decode(continuation, skipSpecialTokens: true).hasPrefix(" "))
        }
    }

    @Test func aCharacterSplitOverByteTokensIsReleasedWhole() throws {
        let tokenizer = try Self.tokenizer("tokenizer_sentencepiece_bpe")
        let prompt = tokenizer.encode("The", addSpecialTokens: false).ids
        let ids = tokenizer.encode(" clef 𝄞 end", addSpecialTokens: false).ids
        #expect(ids.count >= 8, "the clef should fall back to its four bytes")
        let (pieces, decoder) = Self.stream(tokenizer, prompt: prompt, ids)
        #expect(pieces.allSatisfy { !$0.contains("\u{FFFD}") }, "\(pieces)")
        #expect(pieces.joined() == decoder.text && decoder.text.hasSuffix("𝄞 end"))
    }

    @Test func theTextEndsBeforeAStopStringAndHoldsBackItsStart() throws {
        let tokenizer = try Self.tokenizer("tokenizer_llama3_style")
        let prompt = tokenizer.encode("Q:", addSpecialTokens: false).ids
        let ids = tokenizer.encode(" yes<|stop|> never shown", addSpecialTokens: false).ids
        let (pieces, decoder) = Self.stream(tokenizer, prompt: prompt, ids, stopStrings: ["<|stop|>"])
        #expect(decoder.stopped && decoder.text == " yes")
        #expect(pieces.joined() == " yes" && !pieces.contains { $0.contains("<") }, "\(pieces)")
    }
}
