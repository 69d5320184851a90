import Foundation
import Models
import Tokenizers
import Tuners

/// A loaded model and what goes with it: where it came from, its tokenizer (read from its folder
/// when first needed) and, once an adapter exists, the `PeftModel` that wraps it.
public final class ModelWorkspace {
    public let reference: ModelReference
    public let model: any PretrainedModel
    /// Built from `config.json` alone: shapes, no weights.
    public let isMeta: Bool
    /// Built from `config.json` with freshly initialised weights.
    public let isFromScratch: Bool
    /// The model folder's `tokenizer.json`, read when text data, generation or `info` first asks.
    let tokenizerSource: TokenizerSource
    private var loadedTokenizer: Result<Tokenizer, Error>?
    /// The adapters, once `adapter new`, `adapter load` or `train` made one.
    public internal(set) var peft: PeftModel?

    /// How the frozen base weights are kept in memory (`load --dtype`).
    public let storage: BaseStorage

    init(reference: ModelReference, meta: Bool, fromScratch: Bool, seed: UInt64 = 42, storage: BaseStorage = .float32) throws {
        self.storage = storage
        self.reference = reference
        isMeta = meta
        isFromScratch = fromScratch
        if fromScratch {
            let config = try ConfigReader(contentsOf: reference.directory.appendingPathComponent("config.json"))
            model = try ModelLoader.initialize(config: config, seed: seed, storage: storage)
        } else {
            model = try reference.load(meta: meta, storage: storage).model
        }
        tokenizerSource = TokenizerSource(named: nil, modelDirectory: reference.directory,
                                          howToGiveOne: "copy a tokenizer.json into that folder and load it again")
    }

    /// The tokenizer, if the model folder has a readable one.
    public var tokenizer: Tokenizer? { tokenizerSource.isAvailable ? try? requireTokenizer("the workbench") : nil }

    /// The module outline with repeated blocks folded where `folds` says so (by module list path).
    public func outline(folds: (String) -> Bool = { _ in true }) -> ModuleTree { ModuleTree(model, folds: folds) }

    /// Trainable and total parameters, as PEFT counts them.
    public var parameterCounts: TrainableParameterCounts {
        if let peft { return peft.trainableParameterCounts }
        let counts = model.parameterCounts()
        return TrainableParameterCounts(trainable: counts.trainable, total: counts.total)
    }

    /// PEFT's trainable-parameter line.
    public var parameterSummary: String { parameterCounts.summary }

    /// The tokenizer, or an error naming what needed it (`purpose`) and how to give one.
    func requireTokenizer(_ purpose: String) throws -> Tokenizer {
        if loadedTokenizer == nil { loadedTokenizer = Result { try tokenizerSource.load(for: purpose) } }
        return try loadedTokenizer!.get()
    }

    /// The adapters, or an error saying there are none; with `name`, also an error (suggesting the
    /// closest name) when no adapter has that name.
    func requirePeft(_ command: String, holding name: String? = nil) throws -> PeftModel {
        guard let peft else { throw CommandError(command, "no adapters yet; `adapter new NAME` makes one") }
        if let name, !peft.adapterNames.contains(name) {
            throw CommandError.unknown(command, what: "adapter", word: name, valid: peft.adapterNames)
        }
        return peft
    }

    /// Refuses to compute with a model that has no weights.
    func requireWeights(_ command: String) throws {
        if isMeta { throw CommandError(command, "\(reference) was loaded with --meta (no weights); load it again without --meta") }
    }
}
