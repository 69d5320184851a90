import Foundation
import Tokenizers
import Testing

/// A GPT-2 style byte-level BPE tokenizer against the `tokenizers` library's results.
@Suite struct TokenizerByteLevelBPETests {
    let tokenizer: Tokenizer
    let expected: TokenizerFixtures.Expected

    init() throws {
        tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE)
        expected = try TokenizerFixtures.expected(TokenizerFixtures.byteLevelBPE)
    }

    @Test func decodeRoundTripsEveryTextWhenSpecialTokensAreKept() {
        for case_ in expected.encodings {
            #expect(tokenizer.decode(tokenizer.encode(case_.text).ids) == case_.text)
        }
    }

    @Test func vocabularyAndSpecialTokens() {
        #expect(tokenizer.bosTokenId == 0)
        #expect(tokenizer.eosTokenId == 0)
        #expect(tokenizer.unkTokenId == nil)
        #expect(tokenizer.clsTokenId == nil)
        #expect(tokenizer.id(forToken: "<|endoftext|>") == 0)
        #expect(tokenizer.token(forId: 221) == "Ġ")
    }

    @Test func cachedWordsTokenizeTheSameAsNewOnes() throws {
        let text = "The quick brown fox jumps over the lazy dog."
        let first = tokenizer.encode(text)
        #expect(tokenizer.encode(text) == first)
        let fresh = try TokenizerFixtures.tokenizer(TokenizerFixtures.byteLevelBPE)
        #expect(fresh.encode(text) == first)
    }
}
