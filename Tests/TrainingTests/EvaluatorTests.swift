import Foundation
import Models
import Testing
import Training

/// The evaluator a run uses every `eval_every` steps, used on its own (as the workbench's `eval`
/// does): the same examples and weights give the loss the run logged, bit for bit.
@Suite struct EvaluatorTests {
    @Test func anEvaluatorOnItsOwnGivesTheLossTheRunLogged() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let recipe = try workspace.recipe(overrides: ["max_steps=3", "eval_every=3"])
        let run = try TrainingRun(recipe: recipe)
        var logged: [EvaluationMetrics] = []
        try run.run { if case let .evaluation(metrics) = $0 { logged.append(metrics) } }
        let last = try #require(logged.last)
        #expect(last.step == 3)

        let tokenizer = try #require(run.tokenizer)
        let data = try RecipeExamples(recipe: recipe, tokenizer: { _ in tokenizer }, tokenizerDirectory: workspace.url)
        let held = try #require(data.evaluation)
        let evaluator = Evaluator(model: run.model, examples: held, batchSize: recipe.batchSize, padId: data.padId)
        run.model.setTraining(true)
        let alone = try evaluator.evaluate(step: 3)
        #expect(alone == last, "\(alone) vs \(last)")
        #expect(run.model.isTraining, "the model's mode is as it was")
        #expect(try run.trainer.evaluate() == last)
    }
}
