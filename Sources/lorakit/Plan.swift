import ArgumentParser
import Foundation
import Training

/// `lorakit plan RECIPE.yaml`: the memory and time a run needs, from the model's config alone.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Expected peak memory by part and step time of a recipe's run, for float32, bf16 and nf4 bases with and without gradient checkpointing.",
        discussion: "Reads config.json alone (no weights). The step time comes from a GEMM rate measured now and counts GEMM work only.")

    @Argument(help: "The recipe file.")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a recipe key, e.g. --set seq_len=512 (repeatable).")
    var overrides: [String] = []

    func run() throws {
        let plan = try MemoryPlan(recipe: Recipe(contentsOf: URL(fileURLWithPath: recipe), overrides: overrides))
        print(plan.formatted(gemmGFlops: MemoryPlan.measureGemmRate(), machine: MachineMemory.current()))
    }
}
