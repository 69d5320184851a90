import ArgumentParser
import Foundation
import Training

/// `lorakit train RECIPE.yaml`: a headless training run.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train from a recipe (YAML); metrics and weights go to its output_dir.")

    @Argument(help: "The recipe file.")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a recipe key, e.g. --set lr=1e-4 (repeatable).")
    var overrides: [String] = []

    func run() throws {
        let run = try TrainingRun(recipe: Recipe(contentsOf: URL(fileURLWithPath: recipe), overrides: overrides))
        let printer = ProgressPrinter()
        let counts = run.model.parameterCounts()
        print("training \(run.model.architecture) (\(counts.trainable) trainable of \(counts.total) parameters) for \(run.trainer.totalSteps) steps")
        try run.run(listener: printer.show)
    }
}
