import Foundation
import Models
import Tensors

/// Runs a causal-LM training loop: for each optimizer step, `gradAccum` micro-batches of forward,
/// loss and backward; then clipping by total norm, the learning rate from the schedule, the
/// optimizer step; evaluation and saving on their own cadence. It reports through `TrainingEvent`
/// values and checks `shouldStop` between steps, so a stop request ends it at the end of a step.
public final class Trainer {
    public let model: any PretrainedModel
    public let recipe: Recipe
    /// What the optimizer updates.
    public let parameters: [Tensor]
    private let train: TokenBlocks
    private let evaluation: TokenBlocks?
    private let optimizer: any Optimizer
    private let schedule: LearningRateSchedule
    public let totalSteps: Int
    private var order: [Int] = []
    private var cursor = 0
    private var epochIndex = 0
    private var generator: RandomGenerator
    /// Steps done so far.
    public private(set) var step = 0

    public init(model: any PretrainedModel, parameters: [Tensor], recipe: Recipe, train: TokenBlocks, evaluation: TokenBlocks?) throws {
        guard !parameters.isEmpty else { throw RecipeError("nothing to train: no parameter requires a gradient") }
        self.model = model
        self.recipe = recipe
        self.parameters = parameters
        self.train = train
        self.evaluation = evaluation
        let stepsPerEpoch = max(1, train.blocks.count / (recipe.batchSize * recipe.gradAccum))
        totalSteps = recipe.maxSteps ?? max(1, Int((recipe.epochs ?? 1) * Double(stepsPerEpoch)))
        let warmupSteps = recipe.warmup < 1 ? Int((recipe.warmup * Double(totalSteps)).rounded(.up)) : Int(recipe.warmup)
        schedule = LearningRateSchedule(kind: recipe.schedule, warmupSteps: warmupSteps, totalSteps: totalSteps)
        let group = ParameterGroup(parameters: parameters, learningRate: recipe.lr, weightDecay: recipe.weightDecay)
        optimizer = recipe.optimizer == "sgd"
            ? try SGD(groups: [group], momentum: recipe.momentum)
            : try AdamW(groups: [group], betas: (recipe.betas[0], recipe.betas[1]), epsilon: recipe.eps)
        generator = RandomGenerator(seed: UInt64(recipe.seed))
    }

    /// Trains to the end (or until `shouldStop` says so), calling `emit` for every event.
    public func run(shouldStop: () -> Bool = { false }, emit: (TrainingEvent) -> Void) throws {
        model.setTraining(true)
        defer { model.setTraining(false) }
        let start = Date()
        var tokensSeen = 0
        while step < totalSteps {
            if shouldStop() {
                emit(.finished(step: step, reason: .stopped))
                return
            }
            optimizer.parameterGroups[0].learningRate = recipe.lr * schedule.multiplier(atStep: step)
            var loss = 0.0
            for _ in 0 ..< recipe.gradAccum {
                let batch = nextBatch()
                let micro = try batchLoss(batch).scaled(by: 1 / Float(recipe.gradAccum))
                try micro.backward()
                loss += Double(micro.item)
                tokensSeen += batch.count * train.length
            }
            guard loss.isFinite else {
                optimizer.zeroGrad()
                emit(.finished(step: step, reason: .nonFiniteLoss))
                throw RecipeError("the loss became \(loss) at step \(step + 1); lower lr or check the data (the last saved weights are kept)")
            }
            let norm = recipe.maxGradNorm > 0 ? clipGradNorm(parameters, maxNorm: Float(recipe.maxGradNorm)) : clipGradNorm(parameters, maxNorm: .infinity)
            try optimizer.step()
            optimizer.zeroGrad()
            step += 1
            let elapsed = Date().timeIntervalSince(start)
            if step % recipe.logging == 0 || step == totalSteps {
                emit(.step(StepMetrics(
                    step: step, totalSteps: totalSteps, epoch: Double(epochIndex) + Double(cursor) / Double(train.blocks.count),
                    loss: loss, learningRate: optimizer.parameterGroups[0].learningRate, gradNorm: Double(norm),
                    tokensPerSecond: Double(tokensSeen) / max(elapsed, 1e-9), elapsedSeconds: elapsed,
                    remainingSeconds: elapsed / Double(step) * Double(totalSteps - step))))
            }
            if evaluation != nil, recipe.evalEvery > 0, step % recipe.evalEvery == 0 || step == totalSteps {
                emit(.evaluation(try evaluate()))
            } else if evaluation != nil, recipe.evalEvery == 0, step == totalSteps {
                emit(.evaluation(try evaluate()))
            }
        }
        emit(.finished(step: step, reason: .completed))
    }

    /// Mean loss over the evaluation blocks, and its perplexity.
    public func evaluate() throws -> EvaluationMetrics {
        guard let evaluation else { throw RecipeError("no evaluation data: give eval_data or eval_split") }
        model.setTraining(false)
        defer { model.setTraining(true) }
        var total = 0.0, batches = 0
        try GradMode.withoutGradients {
            for start in stride(from: 0, to: evaluation.blocks.count, by: recipe.batchSize) {
                let batch = Array(evaluation.blocks[start ..< min(start + recipe.batchSize, evaluation.blocks.count)])
                total += Double(try batchLoss(batch).item)
                batches += 1
            }
        }
        let loss = total / Double(max(batches, 1))
        return EvaluationMetrics(step: step, loss: loss, perplexity: Foundation.exp(loss))
    }

    private func batchLoss(_ blocks: [[Int]]) throws -> Tensor {
        let ids = blocks.flatMap { $0 }
        let output = try model.forward(ModelInput(ids: ids, batch: blocks.count, length: train.length))
        return try output.logits!.causalLMLoss(labels: ids)
    }

    /// The next `batchSize` blocks, reshuffled (with the seed) at each new epoch.
    private func nextBatch() -> [[Int]] {
        var batch: [[Int]] = []
        while batch.count < recipe.batchSize {
            if cursor >= order.count {
                if !order.isEmpty { epochIndex += 1 }
                order = Array(train.blocks.indices)
                if recipe.shuffle { order.shuffle(using: &generator) }
                cursor = 0
            }
            batch.append(train.blocks[order[cursor]])
            cursor += 1
        }
        return batch
    }
}
