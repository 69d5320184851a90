import ArgumentParser
import Foundation
import Training

/// `lorakit ranks RUN_DIR`: how an AdaLoRA run spread its rank budget, from its metrics file.
struct Ranks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an AdaLoRA run's rank allocation (layer × module) and its budget curve.",
        discussion: "Reads RUN_DIR/metrics.jsonl, so it works on a finished run and on one still training.")

    @Argument(help: "The run's output_dir.")
    var runDirectory: String

    @Option(help: "At most this many masking steps in the budget curve.")
    var curveRows = 20

    func run() throws {
        let history = try RankHistory(runDirectory: URL(fileURLWithPath: (runDirectory as NSString).expandingTildeInPath))
        print(RankReport.text(history, curveRows: curveRows))
    }
}
