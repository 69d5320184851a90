import Foundation
import Testing
import Tokenizers

/// The real families' tokenizer cases, exactly: ids, tokens and offsets with and without special
/// tokens, truncation, decoding with and without special tokens, and pairs.
@Suite struct TokenizerFamilyFixtureTests {
    @Test(arguments: TokenizerFamilyFixtures.cases) func encodesEveryText(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for text in try TokenizerFamilyFixtures.expected(name).encodings {
            let encoding = tokenizer.encode(text.text)
            #expect(encoding.ids == text.ids, "ids of \(text.text.debugDescription)")
            #expect(encoding.tokens == text.tokens, "tokens of \(text.text.debugDescription)")
            #expect(encoding.offsets == TokenizerFamilyFixtures.ranges(text.offsets), "offsets of \(text.text.debugDescription)")
        }
    }

    @Test(arguments: TokenizerFamilyFixtures.cases) func encodesWithoutSpecialTokens(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for text in try TokenizerFamilyFixtures.expected(name).encodings {
            let encoding = tokenizer.encode(text.text, addSpecialTokens: false)
            #expect(encoding.ids == text.idsNoSpecial, "ids of \(text.text.debugDescription)")
            #expect(encoding.tokens == text.tokensNoSpecial, "tokens of \(text.text.debugDescription)")
            #expect(encoding.offsets == TokenizerFamilyFixtures.ranges(text.offsetsNoSpecial), "offsets of \(text.text.debugDescription)")
        }
    }

    @Test(arguments: TokenizerFamilyFixtures.cases) func truncates(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let maxLength = try TokenizerFamilyFixtures.truncationLength(name)
        for text in try TokenizerFamilyFixtures.expected(name).encodings {
            #expect(tokenizer.encode(text.text, maxLength: maxLength).ids == text.idsTruncated, "ids of \(text.text.debugDescription)")
        }
    }

    @Test(arguments: TokenizerFamilyFixtures.cases) func decodes(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for text in try TokenizerFamilyFixtures.expected(name).encodings {
            #expect(tokenizer.decode(text.ids, skipSpecialTokens: true) == text.decoded, "decoding of \(text.text.debugDescription)")
            #expect(tokenizer.decode(text.ids) == text.decodedWithSpecial, "decoding of \(text.text.debugDescription)")
        }
    }

    @Test(arguments: TokenizerFamilyFixtures.cases) func encodesPairs(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        let maxLength = try TokenizerFamilyFixtures.truncationLength(name)
        for pair in try TokenizerFamilyFixtures.expected(name).pairs {
            let what = "pair \(pair.text.debugDescription), \(pair.textPair.debugDescription)"
            let encoding = tokenizer.encode(pair.text, pair: pair.textPair)
            #expect(encoding.ids == pair.ids, "ids of \(what)")
            #expect(encoding.tokens == pair.tokens, "tokens of \(what)")
            #expect(encoding.typeIds == pair.typeIds, "type ids of \(what)")
            #expect(encoding.sequenceIds == pair.sequenceIds, "sequence ids of \(what)")
            #expect(encoding.offsets == TokenizerFamilyFixtures.ranges(pair.offsets), "offsets of \(what)")
            #expect(tokenizer.encode(pair.text, pair: pair.textPair, addSpecialTokens: false).ids == pair.idsNoSpecial, "ids of \(what)")
            let truncated = tokenizer.encode(pair.text, pair: pair.textPair, maxLength: maxLength)
            #expect(truncated.ids == pair.idsTruncated, "truncated ids of \(what)")
            #expect(truncated.typeIds == pair.typeIdsTruncated, "truncated type ids of \(what)")
            #expect(tokenizer.decode(pair.ids, skipSpecialTokens: true) == pair.decoded, "decoding of \(what)")
            #expect(tokenizer.decode(pair.ids) == pair.decodedWithSpecial, "decoding of \(what)")
        }
    }

    @Test(arguments: TokenizerFamilyFixtures.cases) func vocabularySizeMatches(_ name: String) throws {
        #expect(try TokenizerFixtures.tokenizer(name).vocabularySize == TokenizerFamilyFixtures.expected(name).vocabSize)
    }
}
