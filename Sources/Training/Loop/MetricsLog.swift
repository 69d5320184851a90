import Foundation
import JSON
import Tuners

/// Writes training events as JSON lines (one object per event, with an `event` field), the run's
/// `metrics.jsonl`; each line is flushed as it is written, so a running run can be read.
public final class MetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens `url` for writing: empty, or (`resumingAt`, for a run resumed from the checkpoint of
    /// that step) after its lines up to that step. Lines of later steps are dropped, as transformers
    /// takes the log history back to the checkpoint's: the run that wrote them was stopped or killed
    /// after the checkpoint, and the resumed run writes those steps (and their evaluations) again.
    public init(url: URL, resumingAt step: Int? = nil) throws {
        let kept = step.flatMap { step in FileManager.default.contents(atPath: url.path).map { Self.lines(of: $0, upTo: step) } }
        guard FileManager.default.createFile(atPath: url.path, contents: kept), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw DataError("cannot write the metrics file \(url.path)")
        }
        handle.seekToEndOfFile()
        self.handle = handle
        self.url = url
    }

    /// The lines of a metrics file whose `step` is at most `step` (and any line without one).
    static func lines(of data: Data, upTo step: Int) -> Data {
        let kept = data.split(separator: UInt8(ascii: "\n")).filter { line in
            guard let lineStep = (try? JSONParser.parse(line))?["step"]?.integer else { return true }
            return lineStep <= step
        }
        return Data(kept.map { Data($0) + Data("\n".utf8) }.joined())
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
