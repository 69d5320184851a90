import Foundation
import Models
import Tokenizers
import Tuners

/// A loaded model and what goes with it: where it came from, its tokenizer (if its folder has
/// one) and, once an adapter exists, the `PeftModel` that wraps it.
public final class ModelWorkspace {
    public let reference: ModelReference
    public let model: any PretrainedModel
    /// Built from `config.json` alone: shapes, no weights.
    public let isMeta: Bool
    /// Built from `config.json` with freshly initialised weights.
    public let isFromScratch: Bool
    public let tokenizer: Tokenizer?
    /// The adapters, once `adapter new`, `adapter load` or `train` made one.
    public internal(set) var peft: PeftModel?

    init(reference: ModelReference, meta: Bool, fromScratch: Bool, seed: UInt64 = 42) throws {
        self.reference = reference
        isMeta = meta
        isFromScratch = fromScratch
        if fromScratch {
            let config = try ConfigReader(contentsOf: reference.directory.appendingPathComponent("config.json"))
            let std = Float(try config.double("initializer_range", default: 0.02))
            model = try ModelLoader.build(config: config, factory: ParameterFactory(.initialized(std: std, seed: seed)))
        } else {
            model = try reference.load(meta: meta).model
        }
        let tokenizerFile = reference.directory.appendingPathComponent("tokenizer.json")
        tokenizer = FileManager.default.fileExists(atPath: tokenizerFile.path) ? try Tokenizer(contentsOf: tokenizerFile) : nil
    }

    /// The module outline with repeated blocks folded.
    public func outline() -> ModuleTree { ModuleTree(model) }

    /// Trainable and total parameters, as PEFT counts them.
    public var parameterCounts: TrainableParameterCounts {
        if let peft { return peft.trainableParameterCounts }
        let counts = model.parameterCounts()
        return TrainableParameterCounts(trainable: counts.trainable, total: counts.total)
    }

    /// PEFT's trainable-parameter line.
    public var parameterSummary: String { parameterCounts.summary }

    /// The tokenizer, or an error saying the model folder lacks one.
    func requireTokenizer(_ command: String) throws -> Tokenizer {
        guard let tokenizer else {
            throw CommandError(command, "\(reference) has no tokenizer.json; load a model folder that holds one")
        }
        return tokenizer
    }

    /// Refuses to compute with a model that has no weights.
    func requireWeights(_ command: String) throws {
        if isMeta { throw CommandError(command, "\(reference) was loaded with --meta (no weights); load it again without --meta") }
    }
}
