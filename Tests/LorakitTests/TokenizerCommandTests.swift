import FixtureSupport
import Foundation
import Testing

/// `lorakit tokenizer encode` and `decode`, the real binary, against every tokenizer case: the
/// JSON lines it prints are the library's ids, tokens and offsets, and the decoded text.
@Suite struct TokenizerCommandTests {
    /// One printed line of `encode`, and the same fields of `expected.json`.
    struct Line: Decodable, Equatable {
        let ids: [Int]
        let tokens: [String]
        let offsets: [[Int]]
    }

    /// The parts of a tokenizer case's `expected.json` that the commands print.
    struct Expected: Decodable {
        struct Text: Decodable {
            let text: String
            let ids: [Int]
            let tokens: [String]
            let offsets: [[Int]]
            let ids_no_special: [Int]?
            let tokens_no_special: [String]?
            let offsets_no_special: [[Int]]?
            let ids_truncated: [Int]?
            let decoded: String
        }

        struct Pair: Decodable {
            let text: String
            let text_pair: String
            let ids: [Int]
            let tokens: [String]
            let offsets: [[Int]]
        }

        let encodings: [Text]
        let pairs: [Pair]?
    }

    static let familyCases = ["tokenizer_llama3_style", "tokenizer_qwen2_style", "tokenizer_sentencepiece_bpe",
                              "tokenizer_metaspace_bpe", "tokenizer_unigram"]

    static func directory(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory(name).appendingPathComponent("expected.json")))
    }

    /// The case's `truncation.max_length`.
    static func truncationLength(_ name: String) throws -> Int {
        struct Case: Decodable {
            struct Truncation: Decodable { let max_length: Int }
            let truncation: Truncation
        }
        return try JSONDecoder().decode(Case.self, from: Data(contentsOf: directory(name).appendingPathComponent("case.json"))).truncation.max_length
    }

    static func lines(_ output: String) throws -> [Line] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// The texts of case `name` that can be a command-line argument (no NUL).
    static func passableTexts(_ name: String) throws -> [Expected.Text] {
        try expected(name).encodings.filter { !$0.text.unicodeScalars.contains("\0") }
    }

    static func file(_ name: String) -> String {
        directory(name).appendingPathComponent("tokenizer.json").path
    }

    @Test(arguments: familyCases) func encodeThroughTheBinary(_ name: String) throws {
        let texts = try Self.passableTexts(name)
        let withSpecial = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", Self.file(name), "--"] + texts.map(\.text))
        #expect(withSpecial.status == 0, "\(withSpecial.error)")
        #expect(try Self.lines(withSpecial.output) == texts.map { Line(ids: $0.ids, tokens: $0.tokens, offsets: $0.offsets) })
        let plain = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", Self.file(name), "--no-special-tokens", "--"] + texts.map(\.text))
        #expect(try Self.lines(plain.output) == texts.map {
            Line(ids: $0.ids_no_special ?? [], tokens: $0.tokens_no_special ?? [], offsets: $0.offsets_no_special ?? [])
        })
        let maxLength = try Self.truncationLength(name)
        let truncated = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", Self.file(name), "--max-length", "\(maxLength)", "--"] + texts.map(\.text))
        #expect(try Self.lines(truncated.output).map(\.ids) == texts.map { $0.ids_truncated ?? [] })
    }

    @Test(arguments: familyCases) func pairsThroughTheBinary(_ name: String) throws {
        for pair in try Self.expected(name).pairs ?? [] {
            let result = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", Self.file(name), "--pair", pair.text_pair, "--", pair.text])
            #expect(try Self.lines(result.output) == [Line(ids: pair.ids, tokens: pair.tokens, offsets: pair.offsets)])
        }
    }

    @Test(arguments: familyCases + ["tokenizer_bytelevel_bpe", "tokenizer_wordpiece_minilm"]) func decodeThroughTheBinary(_ name: String) throws {
        for text in try Self.passableTexts(name) {
            let result = try LorakitBinary.run(["tokenizer", "decode", "--tokenizer", Self.file(name), "--skip-special-tokens"] + text.ids.map(String.init))
            #expect(try JSONDecoder().decode(String.self, from: Data(result.output.utf8)) == text.decoded)
        }
    }

    @Test(arguments: ["tokenizer_bytelevel_bpe", "tokenizer_wordpiece_minilm"]) func olderCasesEncodeThroughTheBinary(_ name: String) throws {
        let texts = try Self.passableTexts(name)
        let result = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", Self.file(name), "--"] + texts.map(\.text))
        #expect(try Self.lines(result.output) == texts.map { Line(ids: $0.ids, tokens: $0.tokens, offsets: $0.offsets) })
    }

    @Test func throughputPrintsOneLinePerPass() throws {
        let corpus = Self.directory("tokenizer_llama3_style").appendingPathComponent("corpus.txt").path
        let result = try LorakitBinary.run(["tokenizer", "throughput", "--tokenizer", Self.file("tokenizer_llama3_style"), "--repeats", "2", corpus])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("MB/s") && $0.contains("tokens/s") })
    }

    /// Lines end at "\n" as in scripts/bench-tokenizer-python.py (`str.split("\n")`), a "\r" staying
    /// with its line: the bytes and tokens are the ones that script reports for the same file
    /// (tokenizers 0.23.3: "82 bytes, 47 tokens"); kept whole, the "\r\n" text encodes to 51 tokens.
    @Test func throughputSplitsLinesAtNewlinesAsPythonDoes() throws {
        let scratch = try ScratchFolder(), corpus = scratch.folder("crlf.txt")
        try "The first line\r\nthe second, indented:\r\n    code();\r\n\r\nlast line without an ending".write(to: corpus, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["tokenizer", "throughput", "--tokenizer", Self.file("tokenizer_llama3_style"), corpus.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.hasPrefix("pass 1: 82 bytes, 47 tokens in "), "\(result.output)")
    }

    @Test func unreadableTokenizerFailsWithTheReason() throws {
        let result = try LorakitBinary.run(["tokenizer", "encode", "--tokenizer", "/no/such/tokenizer.json", "text"])
        #expect(result.status != 0)
        #expect(result.error.contains("/no/such/tokenizer.json"))
        #expect(result.output.isEmpty)
    }
}
