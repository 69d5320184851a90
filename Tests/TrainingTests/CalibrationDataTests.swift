import FixtureSupport
import Foundation
import Models
import Testing
import Tokenizers
import Training

/// `lorakit init --data`: calibration batches from the datasets `lorakit train` reads, in file
/// order; and damaged calibration files are refused, never a crash.
@Suite struct CalibrationDataTests {
    static let eva = FixtureCase.root.appendingPathComponent("init_eva_llama/calibration.safetensors").path
    static let corda = FixtureCase.root.appendingPathComponent("init_corda_llama_ipm/calibration.safetensors").path

    static func noTokenizer() throws -> Tokenizer { throw DataError("no tokenizer in this test") }

    @Test func aFileOfBatchesGivesItsOwnBatches() throws {
        let batches = try CalibrationData(Self.eva, tokenizer: Self.noTokenizer, seqLen: 128, batchSize: nil, maxBatches: nil).batches
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.eva))
        let shape = try #require(file.info(named: "input_ids")).shape
        #expect(batches.count == shape[0] && batches.allSatisfy { $0.input.batch == shape[1] && $0.input.length == shape[2] })
        let ids = try file.integers(named: "input_ids"), labels = try file.integers(named: "labels")
        let size = shape[1] * shape[2]
        #expect(batches[1].input.ids == Array(ids[size ..< 2 * size]), "batch i is [i]")
        #expect(batches[1].labels == Array(labels[size ..< 2 * size]))
        #expect(try CalibrationData(Self.eva, tokenizer: Self.noTokenizer, seqLen: 128, batchSize: nil, maxBatches: 2).batches.count == 2)
    }

    @Test func rowsAreBatchedInFileOrderWithoutLabelsTheFileDoesNotHave() throws {
        let rows = try #require(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.corda)).info(named: "input_ids")).shape[0]
        let single = try CalibrationData(Self.corda, tokenizer: Self.noTokenizer, seqLen: 128, batchSize: nil, maxBatches: nil).batches
        #expect(single.count == rows && single.allSatisfy { $0.input.batch == 1 && $0.labels == nil })
        let grouped = try CalibrationData(Self.corda, tokenizer: Self.noTokenizer, seqLen: 128, batchSize: 5, maxBatches: nil).batches
        #expect(grouped.map(\.input.batch) == Array(repeating: 5, count: rows / 5) + (rows % 5 == 0 ? [] : [rows % 5]))
        #expect(grouped[0].input.ids == single.prefix(5).flatMap(\.input.ids))
        #expect(throws: DataError.self) { try CalibrationData(Self.corda, tokenizer: Self.noTokenizer, seqLen: 128, batchSize: 0, maxBatches: nil) }
    }

    @Test func textIsTokenisedIntoBlocks() throws {
        let tokenizer = try Tokenizer(contentsOf: FixtureCase.root.appendingPathComponent("tokenizer_bytelevel_bpe/tokenizer.json"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-calibration-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20).write(to: url, atomically: true, encoding: .utf8)
        let batches = try CalibrationData(url.path, tokenizer: { tokenizer }, seqLen: 16, batchSize: 2, maxBatches: 3).batches
        #expect(batches.count == 3 && batches.allSatisfy { $0.input.batch == 2 && $0.input.length == 16 && $0.labels != nil })
    }

    @Test func damagedCalibrationFilesAreRefused() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.eva)))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-calibration-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var state: UInt64 = 17
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let header = 8 + original.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var (read, refused) = (0, 0)
        for _ in 0 ..< 200 {
            var bytes = original
            for _ in 0 ... next(4) {
                let index = next(3) == 0 ? next(bytes.count) : next(header)
                bytes[index] = UInt8(next(256))
            }
            if next(10) == 0 { bytes = Array(bytes.prefix(next(bytes.count))) }
            try Data(bytes).write(to: url)
            do {
                _ = try CalibrationData(url.path, tokenizer: Self.noTokenizer, seqLen: 16, batchSize: next(2) == 0 ? nil : 1 + next(5), maxBatches: nil)
                read += 1
            } catch {
                refused += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        #expect(read > 0 && refused > 0)
    }
}
