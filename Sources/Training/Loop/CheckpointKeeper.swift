import Foundation

/// Looks after a run's `checkpoint-N` folders as transformers' Trainer does: refuses a fresh run
/// into a folder that holds another (unless `overwrite_output_dir`), notes each checkpoint's eval
/// loss, marks the best in `run_state.json` (`best_model_checkpoint`, `best_metric`), and deletes
/// the oldest beyond `save_total_limit`, never the best.
final class CheckpointKeeper {
    /// The run-level state file.
    static let stateFile = "run_state.json"
    static let metricsFile = "metrics.jsonl"

    /// What `run_state.json` holds.
    struct State: Codable, Equatable {
        var metricForBestModel = "eval_loss"
        var bestMetric: Double?
        var bestModelCheckpoint: String?
        /// Each kept checkpoint's step and eval loss (nil when it was not evaluated).
        var checkpoints: [Checkpoint] = []

        struct Checkpoint: Codable, Equatable {
            var step: Int
            var evalLoss: Double?

            enum CodingKeys: String, CodingKey {
                case step, evalLoss = "eval_loss"
            }
        }

        enum CodingKeys: String, CodingKey {
            case metricForBestModel = "metric_for_best_model", bestMetric = "best_metric"
            case bestModelCheckpoint = "best_model_checkpoint", checkpoints
        }
    }

    let directory: URL
    let limit: Int?
    private(set) var state: State
    /// Eval losses by step, for the checkpoint written at the end of that step.
    private var evalLosses: [Int: Double] = [:]

    /// The keeper of `directory`. A fresh run (not `resuming`) into a folder that holds another
    /// run's metrics or checkpoints is refused, or, with `overwrite`, the old run is removed first.
    init(directory: URL, limit: Int?, resuming: Bool, overwrite: Bool) throws {
        self.directory = directory
        self.limit = limit
        let manager = FileManager.default
        if !resuming {
            let old = Self.checkpointSteps(in: directory).map { "checkpoint-\($0)" }
                + ([Self.metricsFile, Self.stateFile].filter { manager.fileExists(atPath: directory.appendingPathComponent($0).path) })
            if !old.isEmpty {
                guard overwrite else {
                    let last = Self.checkpointSteps(in: directory).last.map { directory.appendingPathComponent("checkpoint-\($0)").path } ?? "\(directory.path)/checkpoint-N"
                    throw RecipeError("output_dir \(directory.path) holds another run (\(old.prefix(3).joined(separator: ", "))\(old.count > 3 ? ", …" : "")); continue it with --resume \(last), choose another output_dir, or set overwrite_output_dir: true to replace it")
                }
                for name in old { try? manager.removeItem(at: directory.appendingPathComponent(name)) }
            }
        }
        let url = directory.appendingPathComponent(Self.stateFile)
        state = resuming ? ((try? JSONDecoder().decode(State.self, from: Data(contentsOf: url))) ?? State()) : State()
    }

    /// The steps of the `checkpoint-N` folders in `directory`, in order.
    static func checkpointSteps(in directory: URL) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).compactMap { name in
            name.hasPrefix("checkpoint-") ? Int(name.dropFirst("checkpoint-".count)) : nil
        }.sorted()
    }

    /// Notes an evaluation, for the checkpoint of its step.
    func evaluated(step: Int, loss: Double) {
        if loss.isFinite { evalLosses[step] = loss }
    }

    /// Notes a checkpoint just written (the best when its step's eval loss is the lowest so far),
    /// then deletes the oldest beyond the limit.
    func saved(step: Int) throws {
        let loss = evalLosses[step]
        state.checkpoints.removeAll { $0.step == step }
        state.checkpoints.append(State.Checkpoint(step: step, evalLoss: loss))
        if let loss, state.bestMetric.map({ loss < $0 }) ?? true {
            state.bestMetric = loss
            state.bestModelCheckpoint = directory.appendingPathComponent("checkpoint-\(step)").path
        }
        try prune()
    }

    private func prune() throws {
        if let limit {
            let best = state.bestModelCheckpoint.map { URL(fileURLWithPath: $0).lastPathComponent }
            let steps = Self.checkpointSteps(in: directory)
            var removable = steps.filter { "checkpoint-\($0)" != best }
            var kept = steps.count
            while kept > limit, !removable.isEmpty {
                let step = removable.removeFirst()
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("checkpoint-\(step)"))
                state.checkpoints.removeAll { $0.step == step }
                kept -= 1
            }
        }
        try write()
    }

    private func write() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(state).write(to: directory.appendingPathComponent(Self.stateFile), options: .atomic)
    }
}
