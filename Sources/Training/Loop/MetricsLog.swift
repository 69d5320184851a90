import Foundation
import Tuners

/// Writes training events as JSON lines (one object per event, with an `event` field), the run's
/// `metrics.jsonl`; each line is flushed as it is written, so a running run can be read.
public final class MetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens `url` for writing, empty or (`append`, for a resumed run) after what it holds.
    public init(url: URL, append: Bool = false) throws {
        if !append || !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: url.path) else {
            throw DataError("cannot write the metrics file \(url.path)")
        }
        if append { handle.seekToEndOfFile() }
        self.handle = handle
        self.url = url
    }

    deinit { try? handle.close() }

    /// Appends one event.
    public func record(_ event: TrainingEvent) {
        var object: [String: Any]
        switch event {
        case let .step(m):
            object = ["event": "step", "step": m.step, "total_steps": m.totalSteps, "epoch": m.epoch, "loss": m.loss,
                      "learning_rate": m.learningRate, "grad_norm": m.gradNorm, "tokens_per_second": m.tokensPerSecond,
                      "elapsed": m.elapsedSeconds, "remaining": m.remainingSeconds]
            if let lossCE = m.lossCE { object["loss_ce"] = lossCE }
        case let .evaluation(m):
            object = ["event": "eval", "step": m.step, "eval_loss": m.loss]
            if let perplexity = m.perplexity { object["perplexity"] = perplexity }
            if let accuracy = m.accuracy { object["accuracy"] = accuracy }
        case let .ranks(allocation):
            guard let encoded = try? JSONEncoder().encode(allocation),
                  let fields = try? JSONSerialization.jsonObject(with: encoded) as? [String: Any] else { return }
            object = fields.merging(["event": RankHistory.eventName, "total_rank": allocation.totalRank]) { _, new in new }
        case let .saved(step, path):
            object = ["event": "saved", "step": step, "path": path]
        case let .finished(step, reason):
            object = ["event": "finished", "step": step, "reason": reason.rawValue]
        }
        for (key, value) in object { if let d = value as? Double, !d.isFinite { object[key] = "\(d)" } }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        handle.write(data + Data("\n".utf8))
    }
}
