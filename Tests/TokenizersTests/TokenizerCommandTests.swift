import Foundation
import Testing

/// `lorakit tokenizer encode` and `decode`, the real binary, against every tokenizer case: the
/// JSON lines it prints are the library's ids, tokens and offsets, and the decoded text.
@Suite struct TokenizerCommandTests {
    /// The `lorakit` executable built beside this test bundle.
    static let lorakit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lorakit")

    /// What `lorakit ARGUMENTS` printed, and its exit status.
    static func run(_ arguments: [String]) throws -> (output: String, errors: String, status: Int32) {
        try #require(FileManager.default.isExecutableFile(atPath: lorakit.path), "lorakit must be built at \(lorakit.path)")
        let process = Process()
        process.executableURL = lorakit
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complained = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: printed, as: UTF8.self), String(decoding: complained, as: UTF8.self), process.terminationStatus)
    }

    /// One printed line of `encode`.
    struct Line: Decodable, Equatable {
        let ids: [Int]
        let tokens: [String]
        let offsets: [[Int]]
    }

    static func lines(_ output: String) throws -> [Line] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    static let allCases = TokenizerFamilyFixtures.cases

    /// Whether `text` can be a command-line argument (no NUL).
    static func passable(_ text: String) -> Bool { !text.unicodeScalars.contains("\0") }

    @Test(arguments: allCases) func encodeThroughTheBinary(_ name: String) throws {
        let file = TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json").path
        let texts = try TokenizerFamilyFixtures.expected(name).encodings.filter { Self.passable($0.text) }
        let withSpecial = try Self.run(["tokenizer", "encode", "--tokenizer", file, "--"] + texts.map(\.text))
        #expect(withSpecial.status == 0, "\(withSpecial.errors)")
        #expect(try Self.lines(withSpecial.output) == texts.map { Line(ids: $0.ids, tokens: $0.tokens, offsets: $0.offsets) })
        let plain = try Self.run(["tokenizer", "encode", "--tokenizer", file, "--no-special-tokens", "--"] + texts.map(\.text))
        #expect(try Self.lines(plain.output) == texts.map { Line(ids: $0.idsNoSpecial, tokens: $0.tokensNoSpecial, offsets: $0.offsetsNoSpecial) })
        let maxLength = try TokenizerFamilyFixtures.truncationLength(name)
        let truncated = try Self.run(["tokenizer", "encode", "--tokenizer", file, "--max-length", "\(maxLength)", "--"] + texts.map(\.text))
        #expect(try Self.lines(truncated.output).map(\.ids) == texts.map(\.idsTruncated))
    }

    @Test(arguments: allCases) func pairsThroughTheBinary(_ name: String) throws {
        let file = TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json").path
        for pair in try TokenizerFamilyFixtures.expected(name).pairs {
            let result = try Self.run(["tokenizer", "encode", "--tokenizer", file, "--pair", pair.textPair, "--", pair.text])
            #expect(try Self.lines(result.output) == [Line(ids: pair.ids, tokens: pair.tokens, offsets: pair.offsets)])
        }
    }

    @Test(arguments: allCases) func decodeThroughTheBinary(_ name: String) throws {
        let file = TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json").path
        for text in try TokenizerFamilyFixtures.expected(name).encodings {
            let ids = text.ids.map(String.init)
            let skipping = try Self.run(["tokenizer", "decode", "--tokenizer", file, "--skip-special-tokens"] + ids)
            #expect(try JSONDecoder().decode(String.self, from: Data(skipping.output.utf8)) == text.decoded)
        }
    }

    @Test(arguments: [TokenizerFixtures.byteLevelBPE, TokenizerFixtures.wordPiece]) func olderCasesThroughTheBinary(_ name: String) throws {
        let file = TokenizerFixtures.directory(name).appendingPathComponent("tokenizer.json").path
        let texts = try TokenizerFixtures.expected(name).encodings.filter { Self.passable($0.text) }
        let result = try Self.run(["tokenizer", "encode", "--tokenizer", file, "--"] + texts.map(\.text))
        #expect(try Self.lines(result.output) == texts.map { Line(ids: $0.ids, tokens: $0.tokens, offsets: $0.offsets) })
        for text in texts {
            let decoded = try Self.run(["tokenizer", "decode", "--tokenizer", file, "--skip-special-tokens"] + text.ids.map(String.init))
            #expect(try JSONDecoder().decode(String.self, from: Data(decoded.output.utf8)) == text.decoded)
        }
    }

    @Test func unreadableTokenizerFailsWithTheReason() throws {
        let result = try Self.run(["tokenizer", "encode", "--tokenizer", "/no/such/tokenizer.json", "text"])
        #expect(result.status != 0)
        #expect(result.errors.contains("cannot read tokenizer file /no/such/tokenizer.json"))
        #expect(result.output.isEmpty)
    }
}
