import Foundation
import Models
import Tensors

/// Something that runs after every optimizer step, as PEFT's AdaLoRA needs
/// (`update_and_allocate(global_step)`).
public protocol TrainingStepHook: AnyObject {
    /// Called after the optimizer step numbered `step` (from 1), before gradients are cleared.
    func afterOptimizerStep(_ step: Int) throws
}

/// Runs a training loop: for each optimizer step, `gradAccum` micro-batches of forward, loss and
/// backward; clipping by total norm; the learning rate from the schedule; the optimizer step; the
/// step hook; evaluation on its own cadence. It reports through `TrainingEvent` values and checks
/// `shouldStop` between steps, so a stop request ends it at the end of a step.
public final class Trainer {
    public let model: any PretrainedModel
    public let recipe: Recipe
    /// What the optimizer updates.
    public let parameters: [Tensor]
    public let optimizer: any Optimizer
    public let totalSteps: Int
    public var stepHook: TrainingStepHook?
    /// A term added to every training micro-batch's loss (AdaLoRA's orthogonal regulariser); the
    /// reported loss includes it, as PEFT's does.
    public var lossRegularizer: (() throws -> Tensor)?
    /// This process's part in a data-parallel job (`mpirun -np N lorakit train`), or nil alone:
    /// `batch_size` is then per rank and each step's gradients are averaged over the ranks.
    public let dataParallel: DataParallel?
    private let train: TrainingExamples
    /// The evaluation every `eval_every` steps and at the end, when there is evaluation data.
    public let evaluator: Evaluator?
    private let schedule: LearningRateSchedule
    private let padId: Int
    private let baseLearningRates: [Double]
    private var position: DataPosition

    /// Steps done so far.
    public var step: Int { position.step }

    /// Where the trainer is in its data and randomness: everything besides weights and optimizer
    /// state that a resumed run needs to continue exactly.
    public struct DataPosition: Codable, Equatable {
        public var step = 0
        public var epoch = 0
        public var cursor = 0
        public var order: [Int] = []
        public var tokensSeen = 0
        public var generator: RandomGenerator
        /// The generators of the model's dropout layers, by module name.
        public var dropoutGenerators: [String: RandomGenerator] = [:]
    }

    /// - Parameter parameterGroups: the trainable tensors in optimizer groups, each with its learning
    ///   rate and weight decay (LoRA+ makes four, `OptimizerGroups`).
    public init(model: any PretrainedModel, parameterGroups: [TrainableGroup], recipe: Recipe,
                train: TrainingExamples, evaluation: TrainingExamples?, padId: Int, dataParallel: DataParallel? = nil) throws {
        let parameters = parameterGroups.flatMap(\.parameters)
        guard !parameters.isEmpty else { throw RecipeError("nothing to train: no parameter requires a gradient") }
        self.model = model
        self.recipe = recipe
        self.parameters = parameters
        self.train = train
        self.padId = padId
        self.dataParallel = dataParallel
        let stepsPerEpoch = max(1, train.examples.count / (recipe.batchSize * (dataParallel?.ranks ?? 1) * recipe.gradAccum))
        totalSteps = recipe.maxSteps ?? max(1, Int(((recipe.epochs ?? 1) * Double(stepsPerEpoch)).rounded(.up)))
        let warmupSteps = recipe.warmup < 1 ? Int((recipe.warmup * Double(totalSteps)).rounded(.up)) : Int(recipe.warmup)
        schedule = LearningRateSchedule(kind: recipe.schedule, warmupSteps: warmupSteps, totalSteps: totalSteps)
        let groups = parameterGroups.filter { !$0.parameters.isEmpty }.map {
            ParameterGroup(parameters: $0.parameters, learningRate: $0.absoluteLearningRate ?? recipe.lr * $0.lrFactor,
                           weightDecay: $0.weightDecay ?? recipe.weightDecay)
        }
        baseLearningRates = groups.map(\.learningRate)
        optimizer = recipe.optimizer == .sgd
            ? try SGD(groups: groups, momentum: recipe.momentum)
            : try AdamW(groups: groups, betas: (recipe.betas[0], recipe.betas[1]), epsilon: recipe.eps)
        position = DataPosition(generator: RandomGenerator(seed: UInt64(recipe.seed)))
        evaluator = evaluation.map {
            Evaluator(model: model, examples: $0, batchSize: recipe.batchSize * (dataParallel?.ranks ?? 1), padId: padId, dataParallel: dataParallel)
        }
        dataParallel?.separateDropoutStreams(of: model)
    }

    /// The examples of one micro-batch over all ranks: `batch_size × ranks`.
    public var globalBatchSize: Int { recipe.batchSize * (dataParallel?.ranks ?? 1) }

    /// Trains to the end (or until `shouldStop` says so), calling `emit` for every event and
    /// `afterStep` with the step number at the end of every step (after its evaluation, so a
    /// checkpoint written there knows its eval loss, as in transformers' Trainer).
    public func run(shouldStop: () -> Bool = { false }, afterStep: (Int) throws -> Void = { _ in }, emit: (TrainingEvent) -> Void) throws {
        model.setTraining(true)
        defer { model.setTraining(false) }
        let start = Date()
        let (firstStep, firstTokens) = (position.step, position.tokensSeen)
        var stopAgreed = false
        while position.step < totalSteps {
            if dataParallel == nil ? shouldStop() : stopAgreed {
                emit(.finished(step: position.step, reason: .stopped))
                return
            }
            let multiplier = schedule.multiplier(atStep: position.step)
            for (group, base) in zip(optimizer.parameterGroups, baseLearningRates) { group.learningRate = base * multiplier }
            var loss = 0.0, crossEntropy = 0.0
            var nonFiniteLoss: Float?
            for _ in 0 ..< recipe.gradAccum {
                let global = nextExamples()
                position.tokensSeen += global.reduce(0) { $0 + $1.tokenCount }
                let share = dataParallel?.share(of: global, classification: model.task == .sequenceClassification) ?? (examples: global, lossWeight: 1)
                guard share.lossWeight > 0 else { continue }
                let batch = try Batch(share.examples, padId: padId)
                var objective = try GradientCheckpointing.$isEnabled.withValue(recipe.gradientCheckpointing) { try BatchLoss.of(batch, model: model) }
                if share.lossWeight != 1 { objective = objective.scaled(by: Float(share.lossWeight)) }
                crossEntropy += Double(objective.item) / Double(recipe.gradAccum)
                if let lossRegularizer { objective = try objective + lossRegularizer() }
                let micro = objective.scaled(by: 1 / Float(recipe.gradAccum))
                guard micro.item.isFinite else {
                    nonFiniteLoss = micro.item
                    break
                }
                try micro.backward()
                loss += Double(micro.item)
            }
            if let dataParallel {
                do {
                    let outcome = try dataParallel.finishBackward(parameters: parameters, losses: [loss, crossEntropy], nonFiniteLoss: nonFiniteLoss,
                                                                  stopRequested: shouldStop(), step: position.step + 1)
                    (loss, crossEntropy, stopAgreed) = (outcome.losses[0], outcome.losses[1], outcome.stop)
                } catch let error as DistributedError where error.agreed {
                    optimizer.zeroGrad()
                    emit(.finished(step: position.step, reason: .nonFiniteLoss))
                    throw error
                }
            } else if let nonFiniteLoss {
                optimizer.zeroGrad()
                emit(.finished(step: position.step, reason: .nonFiniteLoss))
                throw RecipeError("the loss became \(nonFiniteLoss) at step \(position.step + 1); lower lr or check the data (the last saved weights are kept)")
            }
            let norm = clipGradNorm(parameters, maxNorm: recipe.maxGradNorm > 0 ? Float(recipe.maxGradNorm) : .infinity)
            try optimizer.step()
            position.step += 1
            try stepHook?.afterOptimizerStep(position.step)
            optimizer.zeroGrad()
            let elapsed = Date().timeIntervalSince(start)
            if position.step % recipe.logging == 0 || position.step == totalSteps {
                let done = Double(position.step - firstStep)
                emit(.step(StepMetrics(
                    step: position.step, totalSteps: totalSteps,
                    epoch: Double(position.epoch) + Double(position.cursor) / Double(train.examples.count),
                    loss: loss, lossCE: lossRegularizer == nil ? nil : crossEntropy,
                    learningRate: optimizer.parameterGroups[0].learningRate, gradNorm: Double(norm),
                    tokensPerSecond: Double(position.tokensSeen - firstTokens) / max(elapsed, 1e-9), elapsedSeconds: elapsed,
                    remainingSeconds: elapsed / done * Double(totalSteps - position.step))))
            }
            let evaluateNow = recipe.evalEvery > 0 ? position.step % recipe.evalEvery == 0 || position.step == totalSteps : position.step == totalSteps
            if evaluator != nil, evaluateNow { emit(.evaluation(try evaluate())) }
            try afterStep(position.step)
        }
        emit(.finished(step: position.step, reason: .completed))
    }

    /// The evaluator's metrics now, at the current step.
    public func evaluate() throws -> EvaluationMetrics {
        guard let evaluator else { throw RecipeError("no evaluation data: give eval_data or eval_split") }
        return try evaluator.evaluate(step: position.step)
    }

    /// The next global micro-batch (`globalBatchSize` examples), reshuffled (with the seed) at each new epoch.
    private func nextExamples() -> [TrainingExample] {
        var batch: [TrainingExample] = []
        while batch.count < globalBatchSize {
            if position.cursor >= position.order.count {
                if !position.order.isEmpty { position.epoch += 1 }
                var order = Array(train.examples.indices)
                if recipe.shuffle { order.shuffle(using: &position.generator) }
                position.order = order
                position.cursor = 0
            }
            batch.append(train.examples[position.order[position.cursor]])
            position.cursor += 1
        }
        return batch
    }

    /// The data position with the dropout generators, for a checkpoint.
    public func currentPosition() -> DataPosition {
        var saved = position
        saved.dropoutGenerators = Dictionary(uniqueKeysWithValues: model.namedModules().compactMap { name, module in
            (module as? Dropout).map { (name, $0.generator) }
        })
        return saved
    }

    /// Continues from a checkpoint's data position.
    public func restore(_ saved: DataPosition) {
        position = saved
        for (name, module) in model.namedModules() {
            if let dropout = module as? Dropout, let generator = saved.dropoutGenerators[name] { dropout.generator = generator }
        }
    }
}
