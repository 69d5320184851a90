import Foundation
import Models
import Tokenizers
import Tuners

/// The calibration batches of the data-driven inits (EVA, CorDA, LoRA-GA) from any dataset
/// `lorakit train` reads (`DataRecords`): rows made as for training (`TrainingExamples`), taken in
/// file order, not shuffled, `batchSize` at a time as PEFT's dataloader gives them (the last batch
/// may be smaller), right-padded with mask 0 and label -100. A pre-tokenised safetensors file may
/// also hold the batches themselves, `[batches, batch, length]`: then its batch size is the default.
public struct CalibrationData {
    public let batches: [CalibrationBatch]

    /// Reads `spec` (a path or `builtin:NAME`). `batchSize` nil takes the file's own batch size
    /// (a 3-D safetensors file), else 1; `maxBatches` keeps the first ones. `tokenizer` is asked
    /// for only when the data is text.
    public init(_ spec: String, tokenizer: () throws -> Tokenizer, seqLen: Int, batchSize: Int?, maxBatches: Int?) throws {
        if let batchSize, batchSize < 1 { throw DataError("--batch-size must be at least 1, got \(batchSize)") }
        if let maxBatches, maxBatches < 1 { throw DataError("--max-batches must be at least 1, got \(maxBatches)") }
        let records = try DataRecords(spec)
        var padId = 0
        let examples = try TrainingExamples(records, tokenizer: {
            let made = try tokenizer()
            padId = made.padTokenId ?? made.eosTokenId ?? 0
            return made
        }, seqLen: seqLen).examples
        if examples.contains(where: { $0.classLabel != nil }) {
            throw DataError("\(spec) holds labelled texts for a classifier; calibration takes texts, prompt/completion pairs or token ids")
        }
        var hasLabels = true
        if case let .tokenized(_, _, labels) = records { hasLabels = labels != nil }
        let size = try batchSize ?? Self.fileBatchSize(spec) ?? 1
        var batches: [CalibrationBatch] = []
        for start in stride(from: 0, to: examples.count, by: size) {
            if let maxBatches, batches.count == maxBatches { break }
            let batch = try Batch(Array(examples[start ..< min(start + size, examples.count)]), padId: padId)
            batches.append(CalibrationBatch(input: batch.input, labels: hasLabels ? batch.labels : nil))
        }
        self.batches = batches
    }

    /// The middle dimension of a 3-D `input_ids` in a safetensors file, else nil.
    static func fileBatchSize(_ spec: String) throws -> Int? {
        guard spec.lowercased().hasSuffix(".safetensors") else { return nil }
        let shape = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: (spec as NSString).expandingTildeInPath)).info(named: "input_ids")?.shape
        return shape?.count == 3 ? shape?[1] : nil
    }
}
