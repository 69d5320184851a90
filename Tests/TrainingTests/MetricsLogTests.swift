import Foundation
import Testing
import Training

/// `metrics.jsonl` of a resumed run: the lines the earlier run wrote after the checkpoint (it was
/// stopped or killed later) give way to the resumed run's, so no step or evaluation is there twice.
@Suite struct MetricsLogTests {
    /// The (event, step) of every line of the run's metrics file.
    static func events(_ workspace: TrainerTests.Workspace) throws -> [String] {
        let text = try String(contentsOf: workspace.url.appendingPathComponent("out/metrics.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return "\(object?["event"] as? String ?? "?") \((object?["step"] as? NSNumber)?.intValue ?? -1)"
        }
    }

    @Test func aRunResumedFromAnEarlierCheckpointWritesEachStepAndEvaluationOnce() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        // eval_every divides max_steps: the last evaluation is at the last step, before the final save.
        let settings = ["max_steps=6", "eval_every=3", "save_every=3"]
        try TrainingRun(recipe: workspace.recipe(overrides: settings)).run { _ in }
        let whole = try Self.events(workspace)
        #expect(whole.filter { $0.hasPrefix("eval") } == ["eval 3", "eval 6"])
        // As if the run had been killed after its last evaluation: resumed from checkpoint-3.
        let checkpoint = workspace.url.appendingPathComponent("out/checkpoint-3")
        try TrainingRun(recipe: workspace.recipe(overrides: settings), resumeFrom: checkpoint).run { _ in }
        let resumed = try Self.events(workspace)
        #expect(resumed == whole, "\(resumed)")
    }
}
