import ArgumentParser
import Foundation
import Tensors
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
        guard let communicator = try Communicator.joinLaunchedJob() else { return try train(dataParallel: nil) }
        do {
            try train(dataParallel: DataParallel(communicator: communicator))
            communicator.finalize()
        } catch let error as DistributedError where error.agreed {
            // Every rank stopped at the same point for the same reason: rank 0 reports it.
            communicator.finalize()
            if communicator.rank == 0 { throw error }
            Foundation.exit(1)
        } catch {
            communicator.abort("rank \(communicator.rank) of \(communicator.size): \(error)")
        }
    }

    /// The run alone, or as one rank of a data-parallel job (`mpirun -np N lorakit train`), where
    /// rank 0 alone prints, and the launcher's signals (`LauncherStop`) stop like Ctrl-C.
    private func train(dataParallel: DataParallel?) throws {
        let recipe = try Recipe(contentsOf: URL(fileURLWithPath: recipe), overrides: overrides)
        if dataParallel?.communicator.rank ?? 0 == 0, let machine = MachineMemory.current(),
           let plan = try? MemoryPlan(recipe: recipe), let warning = plan.warning(machine: machine) {
            print(warning)
        }
        let make = { try TrainingRun(recipe: recipe, resumeFrom: resume.map { URL(fileURLWithPath: $0) }, dataParallel: dataParallel) }
        let run = try dataParallel.map { try $0.communicator.agreeOnSetup(make) } ?? make()
        let writes = run.trainer.writesOutput
        let counts = run.model.parameterCounts()
        if writes {
            for warning in run.warnings { print("warning: \(warning)") }
            for note in run.notes { print("note: \(note)") }
            print("training \(run.model.architecture): \(counts.trainable) of \(counts.total) parameters trainable, steps \(run.trainer.step + 1)-\(run.trainer.totalSteps)")
        }
        if let dataParallel, writes {
            print("data-parallel over \(dataParallel.ranks) ranks, \(Parallel.width) thread(s) each: batch_size \(recipe.batchSize) per rank × \(dataParallel.ranks) ranks × grad_accum \(recipe.gradAccum) = global batch \(run.trainer.globalBatchSize * recipe.gradAccum)")
            if let note = LauncherStop.shortWindowNote(environment: ProcessInfo.processInfo.environment) { print("note: \(note)") }
        }
        let stop = StopRequest()
        if dataParallel == nil {
            stop.raiseOnInterrupt { print("\nstopping at the end of this step (Ctrl-C again to quit now)") }
        } else {
            stop.raiseOnInterrupt(signals: LauncherStop.signals, quitsOnRepeat: false) {
                if writes { print("\nstopping every rank at the end of this step") }
            }
        }
        let printer = ProgressPrinter()
        var stopped = false
        try run.run(shouldStop: { stop.isRaised }) { event in
            if case .finished(_, .stopped) = event { stopped = true }
            if writes { printer.show(event) }
        }
        if stopped, writes {
            let command = ["lorakit", "train", self.recipe] + overrides.flatMap { ["--set", $0] } + ["--resume", run.checkpointDirectory.path]
            print("checkpoint written to \(run.checkpointDirectory.path); continue with: \(command.map(\.shellQuoted).joined(separator: " "))")
        }
    }
}
