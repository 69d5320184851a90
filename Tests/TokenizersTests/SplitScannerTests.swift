import FixtureSupport
import Foundation
import JSON
import Testing
@testable import Tokenizers

/// The hand-written scanners of the GPT-2, Llama-3 and Qwen2 split regexes give exactly the
/// general regex engine's matches: on the fixtures' texts, on hand-picked edge cases and on many
/// thousands of random and mutated strings (fixed seeds).
@Suite struct SplitScannerTests {
    static let patterns = [GPT2SplitPattern.pattern, Llama3SplitPattern.llama3, Llama3SplitPattern.qwen2]

    /// The general engine's matches and the scanner's, for `pattern`.
    private static func engines(_ pattern: String) throws -> (regex: TokenizerRegex, scanner: ([Unicode.Scalar]) -> [Range<Int>]) {
        let fields = JSONFieldReader(values: [:]) { field, reason in TokenizerError.invalidField(path: "test", field: field, reason: reason) }
        let regex = try TokenizerRegex(pattern, fields: fields, key: "Regex")
        return (regex, try #require(SplitPattern.scanner(for: pattern)))
    }

    private static func expectSame(_ pattern: String, _ texts: [[Unicode.Scalar]]) throws {
        let (regex, scanner) = try engines(pattern)
        var mismatches = 0
        for scalars in texts {
            let expected = regex.matches(in: scalars[...])
            let found = scanner(scalars)
            guard found != expected else { continue }
            mismatches += 1
            if mismatches <= 5 {
                let show = { (ranges: [Range<Int>]) in ranges.map { String(String.UnicodeScalarView(scalars[$0])) } }
                Issue.record("pattern \(pattern) on \(String(String.UnicodeScalarView(scalars)).debugDescription): regex \(show(expected)), scanner \(show(found))")
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(texts.count) texts split differently")
    }

    /// Pieces random text is made of: letters in several scripts and cases, digit runs, the
    /// apostrophe and contraction letters (the long s folds to s), spaces of every kind, line
    /// breaks, punctuation, combining marks, emoji and CJK.
    private static let alphabet: [String] = [
        "a", "Z", "é", "ß", "Ж", "λ", "ſ", "İ", "ǅ", "ʰ", "s", "S", "t", "T", "r", "R", "e", "E", "v", "V", "m", "M", "l", "L", "d", "D",
        "0", "7", "12", "345", "6789", "٣", "½", "Ⅻ", "²", "١٢٣٤",
        "'", "'", "'", "’", "\"", " ", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\n\n", "\u{A0}", "\u{2003}", "\u{3000}",
        "\u{B}", "\u{C}", "\u{85}", "\u{2028}", "\u{200B}",
        ".", ",", "!", "?", "-", "(", ")", "<", ">", "$", "_", "#", "—", "«", "…",
        "\u{301}", "\u{308}", "\u{20DD}", "\u{200D}", "🙂", "👍🏽", "👨‍👩‍👧", "🇫🇷",
        "日", "本語", "中文", "한국어", "ひらがな", "カタカナ", "ก", "\u{E000}", "\u{0}", "\u{7F}", "\u{FEFF}",
    ]

    private static func randomText(_ random: inout FuzzRandom) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for _ in 0..<Int.random(in: 0...24, using: &random) {
            if Int.random(in: 0..<8, using: &random) == 0, let scalar = Unicode.Scalar(UInt32.random(in: 0x20...0x2FFF, using: &random)),
               let age = scalar.properties.age, age.major < 15 {
                // Any character of the older blocks, up to Unicode 14: the regex engine's tables
                // (ICU's) may be older than Swift's, which class later characters as letters.
                scalars.append(scalar)
            } else {
                scalars += alphabet[Int.random(in: 0..<alphabet.count, using: &random)].unicodeScalars
            }
        }
        return scalars
    }

    /// `text` with a few characters deleted, duplicated or replaced by pieces of the alphabet.
    private static func mutated(_ text: [Unicode.Scalar], _ random: inout FuzzRandom) -> [Unicode.Scalar] {
        var scalars = text
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where position < scalars.count: scalars.remove(at: position)
            case 1 where position < scalars.count: scalars.insert(scalars[position], at: position)
            default: scalars.insert(contentsOf: alphabet[Int.random(in: 0..<alphabet.count, using: &random)].unicodeScalars, at: position)
            }
        }
        return scalars
    }

    private static func fixtureTexts() throws -> [[Unicode.Scalar]] {
        try TokenizerFamilyFixtures.cases.flatMap { name in
            try TokenizerFamilyFixtures.expected(name).encodings.map { Array($0.text.unicodeScalars) }
        }
    }

    @Test func theFixturesUseTheScannedPatterns() throws {
        for name in ["tokenizer_llama3_style", "tokenizer_qwen2_style"] {
            let data = try Data(contentsOf: TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let split = try #require((json["pre_tokenizer"] as? [String: Any])?["pretokenizers"] as? [[String: Any]]).first
            let pattern = try #require((split?["pattern"] as? [String: Any])?["Regex"] as? String)
            #expect(SplitPattern.scanner(for: pattern) != nil, "\(name)'s pattern is matched by the general engine")
        }
        #expect(SplitPattern.scanner(for: Llama3SplitPattern.llama3 + "|x") == nil)
        #expect(SplitPattern.scanner(for: Llama3SplitPattern.llama3.replacingOccurrences(of: "(?i:", with: "(?:")) == nil)
    }

    @Test(arguments: patterns) func matchesTheRegexOnTheFixtureTexts(_ pattern: String) throws {
        try Self.expectSame(pattern, Self.fixtureTexts())
    }

    @Test(arguments: patterns) func matchesTheRegexOnEdgeCases(_ pattern: String) throws {
        let texts = [
            "", "'", "'s", "'S", "'ſ", "'Re", "'LL", "'lL", "'ve'", "I'M", "don't", "'x", " 's", "x'", "''s", "'\n",
            "123", "1234567", "12 345", "a1b22c333d4444", "٣٤٥٦", " 1", "  1",
            "a  b", "a   ", "   ", " ", "\n", " \n", "\n ", " \n x", "a \n\n b", "\r\n\r\n", " \r \n  x", "\t\tx", "\u{A0}x",
            "\u{3000}日本", "x .", "x  .", " ...\n\nz", "!!\r\n", "(hello)", "\"quoted\"", "—dash", ".a", "\na", "\ra",
            "e\u{301}t", "\u{301}", "a\u{308}\u{308}b", "🙂🙂 🙂", " 👍🏽x", "中文字符串", "ab\u{B}cd", "x\u{85}\u{85}y", "x\u{2028}y",
        ].map { Array($0.unicodeScalars) }
        try Self.expectSame(pattern, texts)
    }

    @Test(arguments: patterns) func matchesTheRegexOnRandomText(_ pattern: String) throws {
        var random = FuzzRandom(seed: 17)
        try Self.expectSame(pattern, (0..<6000).map { _ in Self.randomText(&random) })
    }

    @Test(arguments: patterns) func matchesTheRegexOnMutatedFixtureTexts(_ pattern: String) throws {
        var random = FuzzRandom(seed: 71)
        let texts = try Self.fixtureTexts()
        try Self.expectSame(pattern, (0..<4000).map { Self.mutated(texts[$0 % texts.count], &random) })
    }
}
