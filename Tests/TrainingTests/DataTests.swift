import FixtureSupport
import Foundation
import Models
import Testing
import Tokenizers
import Training

/// Dataset forms and how they become examples and batches. Each test's files are in a scratch
/// folder removed when the test ends.
@Suite final class DataTests {
    let tokenizer: Tokenizer
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-data-\(UUID().uuidString)")

    init() throws {
        tokenizer = try Tokenizer(contentsOf: FixtureCase.root.appendingPathComponent("tokenizer_bytelevel_bpe/tokenizer.json"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func promptCompletionTakesTheLossOnTheCompletionOnly() throws {
        let path = try file("pc.jsonl", "{\"prompt\": \"the quick\", \"completion\": \" brown fox\"}\n")
        let examples = try TrainingExamples(DataRecords(path), tokenizer: { tokenizer }, seqLen: 64).examples
        let prompt = tokenizer.encode("the quick", addSpecialTokens: false).ids
        let completion = tokenizer.encode(" brown fox", addSpecialTokens: false).ids + [tokenizer.eosTokenId!]
        #expect(examples == [TrainingExample(ids: prompt + completion, labels: prompt.map { _ in -100 } + completion)])
    }

    @Test func classificationReadsJSONLAndCSVAlike() throws {
        let jsonl = try file("c.jsonl", "{\"text\": \"good, fine\", \"label\": \"pos\"}\n{\"text\": \"bad\", \"label\": \"neg\"}\n")
        let csv = try file("c.csv", "text,label\n\"good, fine\",pos\nbad,neg\n")
        #expect(try DataRecords(jsonl) == DataRecords(csv))
        let examples = try TrainingExamples(DataRecords(csv), tokenizer: { tokenizer }, seqLen: 16)
        #expect(examples.classNames == ["neg", "pos"])
        #expect(examples.examples.map(\.classLabel) == [1, 0])
        #expect(throws: DataError.self) { try DataRecords(try file("bad.csv", "text,label\nonly one field\n")) }
        #expect(throws: DataError.self) { try DataRecords(try file("open.csv", "text,label\n\"never closed,1\n")) }
    }

    @Test func batchesPadOnTheRightAndMaskThePadding() throws {
        let batch = try Batch([TrainingExample(ids: [5, 6, 7], labels: [5, 6, 7]), TrainingExample(ids: [8], labels: [8])], padId: 0)
        #expect(batch.input.ids == [5, 6, 7, 8, 0, 0])
        #expect(batch.input.attentionMask == [1, 1, 1, 1, 0, 0])
        #expect(batch.labels == [5, 6, 7, 8, -100, -100])
        #expect(batch.tokenCount == 4)
    }

    @Test func preTokenisedSafetensorsAreUsedAsGiven() throws {
        let url = folder.appendingPathComponent("tokens.safetensors")
        try SafeTensorsWriter.write(["input_ids": .int64(shape: [2, 3], values: [1, 2, 3, 4, 5, 0]),
                                     "attention_mask": .int64(shape: [2, 3], values: [1, 1, 1, 1, 1, 0])], to: url)
        let examples = try TrainingExamples(DataRecords(url.path), tokenizer: { tokenizer }, seqLen: 8).examples
        #expect(examples.map(\.labels) == [[1, 2, 3], [4, 5, -100]])
        #expect(examples[1].attentionMask == [1, 1, 0])
    }

    @Test func builtinDatasetsShip() throws {
        guard case let .texts(bible) = try DataRecords("builtin:pretrain") else { Issue.record("pretrain is plain text"); return }
        #expect(bible.count == 1 && bible[0].count > 1_000_000)
        for name in ["fortunes", "definitions"] {
            #expect(try DataRecords("builtin:\(name)").count > 100, "builtin:\(name)")
        }
        #expect(throws: DataError.self) { try DataRecords("builtin:nothing") }
    }
}
