import Foundation
import Tokenizers
import Testing

/// The all-MiniLM-L6-v2 WordPiece tokenizer against the `tokenizers` library's results. The
/// fixture's `tokenizer.json` is byte-identical to the real model's.
@Suite struct TokenizerWordPieceTests {
    let tokenizer: Tokenizer
    let expected: TokenizerFixtures.Expected

    init() throws {
        tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.wordPiece)
        expected = try TokenizerFixtures.expected(TokenizerFixtures.wordPiece)
    }

    @Test func truncatesLongestFirstKeepingSpecialTokens() throws {
        for case_ in expected.encodings {
            let truncated = try #require(case_.idsTruncated128)
            #expect(tokenizer.encode(case_.text, maxLength: 128).ids == truncated,
                    "truncation of \(case_.text.debugDescription)")
        }
    }

    @Test func truncationShorterThanTheSpecialTokensKeepsOnlyThem() {
        #expect(tokenizer.encode("hello world", maxLength: 1).tokens == ["[CLS]", "[SEP]"])
        #expect(tokenizer.encode("hello world", addSpecialTokens: false, maxLength: 1).tokens == ["hello"])
    }

    @Test func vocabularyAndSpecialTokens() {
        #expect(tokenizer.padTokenId == 0)
        #expect(tokenizer.unkTokenId == 100)
        #expect(tokenizer.clsTokenId == 101)
        #expect(tokenizer.sepTokenId == 102)
        #expect(tokenizer.bosTokenId == nil)
        #expect(tokenizer.eosTokenId == nil)
        #expect(tokenizer.id(forToken: "[MASK]") == 103)
        #expect(tokenizer.id(forToken: "hello") == 7592)
        #expect(tokenizer.token(forId: 7592) == "hello")
        #expect(tokenizer.id(forToken: "no such token") == nil)
        #expect(tokenizer.token(forId: 1_000_000) == nil)
    }

    @Test func decodeKeepsSpecialTokensUnlessAskedToSkip() {
        #expect(tokenizer.decode([101, 7592, 102]) == "[CLS] hello [SEP]")
        #expect(tokenizer.decode([101, 7592, 999_999, 102], skipSpecialTokens: true) == "hello")
    }

    @Test func loadsFromTheFolderHoldingTokenizerJSON() throws {
        let fromFolder = try Tokenizer(contentsOf: TokenizerFixtures.directory(TokenizerFixtures.wordPiece))
        #expect(fromFolder.encode("Hello, world!").ids == [101, 7592, 1010, 2088, 999, 102])
    }
}
