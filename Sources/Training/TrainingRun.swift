import Foundation
import Models
import Tensors

/// Everything a recipe names, made ready to train: the model (loaded, or freshly initialised with
/// `from_scratch`), its tokenizer, the tokenised data and the trainer. Nothing starts until every
/// part is in place, so a bad recipe or bad data fails before any step runs.
public final class TrainingRun {
    public let recipe: Recipe
    public let model: any PretrainedModel
    public let tokenizer: Tokenizer
    public let trainer: Trainer
    public let outputDirectory: URL
    private let modelDirectory: URL

    public init(recipe: Recipe) throws {
        self.recipe = recipe
        let reference = try ModelReference(recipe.model)
        modelDirectory = reference.directory
        if recipe.fromScratch {
            let config = try ConfigReader(contentsOf: reference.directory.appendingPathComponent("config.json"))
            let std = Float(try config.double("initializer_range", default: 0.02))
            model = try ModelLoader.build(config: config, factory: ParameterFactory(.initialized(std: std, seed: UInt64(recipe.seed))))
        } else {
            model = try reference.load().model
        }
        guard model.task == .causalLM else {
            throw RecipeError("\(recipe.model) is a \(model.architecture); training on text needs a causal language model")
        }
        let tokenizerURL = recipe.tokenizer.map { URL(fileURLWithPath: $0) } ?? reference.directory.appendingPathComponent("tokenizer.json")
        tokenizer = try Tokenizer(contentsOf: tokenizerURL)
        var train = try TokenBlocks(documents: TextSource(recipe.data).documents, tokenizer: tokenizer, length: recipe.seqLen)
        var evaluation: TokenBlocks?
        if let evalData = recipe.evalData {
            evaluation = try TokenBlocks(documents: TextSource(evalData).documents, tokenizer: tokenizer, length: recipe.seqLen)
        } else if recipe.evalSplit > 0 {
            evaluation = try train.holdOut(fraction: recipe.evalSplit)
        }
        let parameters = model.namedParameters().map(\.parameter)
        for parameter in parameters { parameter.requiresGrad = true }
        trainer = try Trainer(model: model, parameters: parameters.map { try $0.value() }, recipe: recipe, train: train, evaluation: evaluation)
        outputDirectory = URL(fileURLWithPath: (recipe.outputDir as NSString).expandingTildeInPath)
    }

    /// Trains, writing `metrics.jsonl` and the weights into the output folder, and passing every
    /// event to `listener` as well.
    public func run(shouldStop: () -> Bool = { false }, listener: (TrainingEvent) -> Void) throws {
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        let log = try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl"))
        var saveError: Error?
        try trainer.run(shouldStop: shouldStop) { event in
            log.record(event)
            listener(event)
            if case let .step(metrics) = event, recipe.saveEvery > 0, metrics.step % recipe.saveEvery == 0, metrics.step < trainer.totalSteps {
                do { try save(step: metrics.step, log: log, listener: listener) } catch { saveError = error }
            }
        }
        if let saveError { throw saveError }
        try save(step: trainer.step, log: log, listener: listener)
    }

    private func save(step: Int, log: MetricsLog, listener: (TrainingEvent) -> Void) throws {
        try ModelWriter.save(model, companionsFrom: modelDirectory, to: outputDirectory)
        if let tokenizerPath = recipe.tokenizer {
            let target = outputDirectory.appendingPathComponent("tokenizer.json")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: tokenizerPath), to: target)
        }
        let event = TrainingEvent.saved(step: step, path: outputDirectory.path)
        log.record(event)
        listener(event)
    }
}
