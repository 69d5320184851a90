import Foundation
import Models
import Tensors
import Tokenizers
import Tuners

/// Everything a recipe names, made ready to train: the model (loaded, or freshly initialised with
/// `from_scratch`), its tokenizer, the tokenised data and the trainer, and optionally the state of
/// an earlier run to resume. Nothing starts until every part is in place, so a bad recipe or bad
/// data fails before any step runs.
public final class TrainingRun {
    public let recipe: Recipe
    public let model: any PretrainedModel
    /// The adapters, when the recipe trains an adapter rather than the whole model.
    public let peft: PeftModel?
    /// The tokenizer, when the data needed one (pre-tokenised data does not).
    public let tokenizer: Tokenizer?
    public let trainer: Trainer
    public let outputDirectory: URL
    private let modelDirectory: URL
    /// The trainable parameters by full name.
    private let trainable: [String: Parameter]
    private let resumed: Bool
    /// What the user should know before the run starts (printed by `lorakit train`, logged by the workbench).
    public let warnings: [String]
    /// How the data was made into examples, where that needs saying (chat data: which tokens the loss is on).
    public let notes: [String]
    /// What the adapter's method does after each step (AdaLoRA's rank allocator), if anything.
    private let methodHook: MethodStepHook?
    /// The run's checkpoints: the best, the limit, the refusal to mix two runs in one folder.
    private let checkpoints: CheckpointKeeper

    /// A run of everything the recipe names: its model (loaded, or initialised with
    /// `from_scratch`), its tokenizer and its adapter.
    public convenience init(recipe: Recipe, resumeFrom checkpoint: URL? = nil, dataParallel: DataParallel? = nil) throws {
        let reference = try ModelReference(recipe.model)
        let model: any PretrainedModel
        if recipe.fromScratch {
            let config = try ConfigReader(contentsOf: reference.directory.appendingPathComponent("config.json"))
            model = try ModelLoader.initialize(config: config, seed: UInt64(recipe.seed), storage: recipe.baseStorage)
        } else {
            model = try reference.load(storage: recipe.baseStorage).model
        }
        let tokenizer = TokenizerSource(named: recipe.tokenizer, modelDirectory: reference.directory,
                                        howToGiveOne: "set the recipe's `tokenizer:` key to a tokenizer.json")
        let peft: PeftModel?
        switch recipe.adapter {
        case nil:
            peft = nil
        case let .inline(json)?:
            let config = try PeftConfigs.read(jsonData: json, source: "the recipe's adapter", totalStepIfMissing: recipe.maxSteps)
            peft = try PeftModel(model: model, config: config, seed: UInt64(recipe.seed))
        case let .directory(path)?:
            peft = try PeftModel.fromPretrained(model, directory: URL(fileURLWithPath: (path as NSString).expandingTildeInPath), isTrainable: true)
        }
        try self.init(recipe: recipe, model: model, peft: peft, tokenizer: { try tokenizer.load(for: $0) },
                      modelDirectory: reference.directory, tokenizerDirectory: tokenizer.directory,
                      resumeFrom: checkpoint, dataParallel: dataParallel)
    }

    /// A run over a model already in memory (the workbench's): with `peft`, its trainable adapter
    /// parameters train (an AdaLoRA adapter with its rank allocator after every step and its
    /// orthogonal regulariser in the loss); without, every weight of `model` does. The recipe's
    /// `model`, `tokenizer`, `from_scratch` and `adapter` keys are not read; `modelDirectory`
    /// supplies the config and tokenizer files saved beside full weights. `tokenizer` is called, with
    /// what needs it ("training on notes.txt"), only when the data is text rather than token ids.
    /// With `dataParallel`, this process is one rank of a data-parallel job, and only rank 0 writes.
    /// Chat data is rendered with the recipe's `chat_template` file or the template of
    /// `tokenizerDirectory` (by default `modelDirectory`).
    public init(recipe: Recipe, model: any PretrainedModel, peft: PeftModel?, tokenizer: (String) throws -> Tokenizer,
                modelDirectory: URL, tokenizerDirectory: URL? = nil, resumeFrom checkpoint: URL? = nil, dataParallel: DataParallel? = nil) throws {
        self.recipe = recipe
        self.model = model
        self.peft = peft
        self.modelDirectory = modelDirectory
        let data = try RecipeExamples(recipe: recipe, tokenizer: tokenizer, tokenizerDirectory: tokenizerDirectory ?? modelDirectory)
        let train = data.train
        if model.task == .sequenceClassification, train.classNames == nil {
            throw DataError("\(recipe.data) has no labels; a classifier trains on {\"text\", \"label\"} records")
        }
        if peft == nil {
            for (_, parameter) in model.namedParameters() { parameter.requiresGrad = true }
        }
        let named = peft?.trainableParameters ?? model.namedParameters()
        trainable = Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.parameter) })
        let trainer = try Trainer(model: model, parameterGroups: OptimizerGroups.make(named, recipe: recipe), recipe: recipe,
                                  train: train, evaluation: data.evaluation, padId: data.padId,
                                  dataParallel: dataParallel)
        self.tokenizer = data.tokenizer
        self.trainer = trainer
        methodHook = try peft.flatMap { try trainer.attachMethodHook(for: $0, steps: recipe.updateAndAllocate) }
        warnings = [peft.flatMap(trainer.methodHookWarning(for:))].compactMap { $0 }
        notes = data.notes
        outputDirectory = URL(fileURLWithPath: (recipe.outputDir as NSString).expandingTildeInPath)
        resumed = checkpoint != nil
        checkpoints = try CheckpointKeeper(directory: outputDirectory, limit: recipe.saveTotalLimit, resuming: resumed, overwrite: recipe.overwriteOutputDir)
        if let checkpoint {
            try TrainingCheckpoint.restore(trainer, weights: trainable, from: checkpoint)
            if let hook = methodHook?.hook {
                let url = checkpoint.appendingPathComponent(hook.stateFileName)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw RecipeError("\(checkpoint.path) has no \(hook.stateFileName), the state of the adapter method's step hook (AdaLoRA's rank allocator); resume from a checkpoint of this run")
                }
                let file = try SafeTensorsFile(contentsOf: url)
                try hook.restoreState(from: Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.tensor(named: $0)) }))
            }
        }
    }

    /// Trains, writing `metrics.jsonl`, checkpoints every `save_every` steps, and the final weights
    /// into the output folder, and passing every event to `listener` as well. A stop request ends
    /// the run at the end of a step with a checkpoint to resume from.
    public func run(shouldStop: () -> Bool = { false }, listener: (TrainingEvent) -> Void) throws {
        try withoutActuallyEscaping(listener) { try run(shouldStop: shouldStop, reporting: $0) }
    }

    private func run(shouldStop: () -> Bool, reporting listener: @escaping (TrainingEvent) -> Void) throws {
        guard trainer.writesOutput else { return try trainer.run(shouldStop: shouldStop, emit: listener) }
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let log = try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl"), resumingAt: resumed ? trainer.step : nil)
        var stopped = false
        func report(_ event: TrainingEvent) {
            log.record(event)
            listener(event)
        }
        methodHook?.onAllocation = { report(.ranks($0)) }
        defer { methodHook?.onAllocation = nil }
        try trainer.run(shouldStop: shouldStop, afterStep: { step in
            if recipe.saveEvery > 0, step % recipe.saveEvery == 0, step < trainer.totalSteps { try writeCheckpoint(report) }
        }) { event in
            report(event)
            switch event {
            case let .evaluation(metrics):
                checkpoints.evaluated(step: metrics.step, loss: metrics.loss)
            case .finished(_, .stopped):
                stopped = true
            default:
                break
            }
        }
        if stopped { try writeCheckpoint(report) }
        if let peft {
            try peft.savePretrained(directory: outputDirectory)
        } else {
            try ModelWriter.save(model, companionsFrom: modelDirectory, to: outputDirectory)
        }
        if let tokenizerPath = recipe.tokenizer {
            let target = outputDirectory.appendingPathComponent("tokenizer.json")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: tokenizerPath), to: target)
        }
        report(.saved(step: trainer.step, path: outputDirectory.path))
    }

    /// The checkpoint folder for the current step.
    public var checkpointDirectory: URL { outputDirectory.appendingPathComponent("checkpoint-\(trainer.step)") }

    /// Writes `checkpoint-N`: the resumable state, the active adapters as PEFT saves them (so
    /// `PeftModel.from_pretrained(base, "run/checkpoint-N")` and `--adapter` load it) and the state
    /// of the method's step hook (AdaLoRA's allocator); then drops checkpoints beyond `save_total_limit`.
    private func writeCheckpoint(_ report: (TrainingEvent) -> Void) throws {
        try TrainingCheckpoint.write(trainer, weights: try trainable.mapValues { try $0.value() }, to: checkpointDirectory) { folder in
            if let peft { try peft.savePretrained(directory: folder, selectedAdapters: peft.activeAdapters) }
            if let hook = methodHook?.hook {
                try SafeTensorsWriter.write(hook.stateTensors(), to: folder.appendingPathComponent(hook.stateFileName))
            }
        }
        try checkpoints.saved(step: trainer.step)
        report(.saved(step: trainer.step, path: checkpointDirectory.path))
    }
}
