import ArgumentParser
import Tensors

/// The release of lorakit this binary is.
let lorakitVersion = "0.2.0"

/// The `lorakit` command: parses arguments and hands over to a front end or a headless command.
@main
struct Lorakit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lorakit",
        abstract: "A terminal workbench for LoRA-family fine-tuning.",
        version: "lorakit \(lorakitVersion)\n\(OpenBLASKernel.summary)",
        subcommands: [Open.self, Repl.self, RunScript.self, Info.self, Forward.self, Generate.self, Merge.self, InitAdapter.self, Convert.self, Train.self, Plan.self, Ranks.self,
                      TokenizerCommand.self, Bench.self, Combine.self, Intruders.self, Inspect.self],
        defaultSubcommand: Open.self)

    static func main() {
        OpenBLASKernel.ensureBestCore()
        AllocatorPolicy.retainFreedMemory()
        main(nil)
    }
}
