import Foundation
import Tokenizers
import Testing

/// Both tokenizer fixture cases against the `tokenizers` library's results for every text.
@Suite struct TokenizerFixtureTests {
    static let cases = [TokenizerFixtures.wordPiece, TokenizerFixtures.byteLevelBPE]

    @Test(arguments: cases) func fixtureCoversEveryText(_ name: String) throws {
        #expect(try TokenizerFixtures.expected(name).encodings.map(\.text) == TokenizerFixtures.texts(name))
    }

    @Test(arguments: cases) func encodesIdsTokensAndOffsetsLikeTheLibrary(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for case_ in try TokenizerFixtures.expected(name).encodings {
            let encoding = tokenizer.encode(case_.text)
            #expect(encoding.ids == case_.ids, "ids of \(case_.text.debugDescription)")
            #expect(encoding.tokens == case_.tokens, "tokens of \(case_.text.debugDescription)")
            #expect(encoding.offsets == case_.offsetRanges, "offsets of \(case_.text.debugDescription)")
        }
    }

    @Test(arguments: cases) func encodesWithoutSpecialTokens(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for case_ in try TokenizerFixtures.expected(name).encodings {
            #expect(tokenizer.encode(case_.text, addSpecialTokens: false).ids == case_.idsNoSpecial, "ids of \(case_.text.debugDescription)")
        }
    }

    @Test(arguments: cases) func decodesSkippingSpecialTokens(_ name: String) throws {
        let tokenizer = try TokenizerFixtures.tokenizer(name)
        for case_ in try TokenizerFixtures.expected(name).encodings {
            #expect(tokenizer.decode(case_.ids, skipSpecialTokens: true) == case_.decoded, "decoding of \(case_.text.debugDescription)")
        }
    }

    @Test(arguments: cases) func vocabularySizeMatches(_ name: String) throws {
        #expect(try TokenizerFixtures.tokenizer(name).vocabularySize == TokenizerFixtures.expected(name).vocabSize)
    }
}
