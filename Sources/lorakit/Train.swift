import ArgumentParser
import Foundation
import Training

/// `lorakit train RECIPE.yaml`: a headless training run.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train from a recipe (YAML); metrics, checkpoints and weights go to its output_dir.",
        discussion: "Ctrl-C finishes the current step, writes a checkpoint and exits; --resume continues from it.")

    @Argument(help: "The recipe file.")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a recipe key, e.g. --set lr=1e-4 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Continue from a checkpoint folder (output_dir/checkpoint-N) of the same recipe.")
    var resume: String?

    func run() throws {
        let run = try TrainingRun(recipe: Recipe(contentsOf: URL(fileURLWithPath: recipe), overrides: overrides),
                                  resumeFrom: resume.map { URL(fileURLWithPath: $0) })
        for warning in run.warnings { print("warning: \(warning)") }
        let printer = ProgressPrinter()
        let counts = run.model.parameterCounts()
        print("training \(run.model.architecture): \(counts.trainable) of \(counts.total) parameters trainable, steps \(run.trainer.step + 1)-\(run.trainer.totalSteps)")
        let stop = StopRequest()
        stop.raiseOnInterrupt { print("\nstopping at the end of this step (Ctrl-C again to quit now)") }
        try run.run(shouldStop: { stop.isRaised }, listener: printer.show)
        if stop.isRaised {
            let command = ["lorakit", "train", recipe] + overrides.flatMap { ["--set", $0] } + ["--resume", run.checkpointDirectory.path]
            print("checkpoint written to \(run.checkpointDirectory.path); continue with: \(command.map(\.shellQuoted).joined(separator: " "))")
        }
    }
}
