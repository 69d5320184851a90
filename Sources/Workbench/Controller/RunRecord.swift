import Foundation
import Tuners

/// A training run on disk as the run list shows it, read from its folder: `metrics.jsonl` (steps,
/// evaluations, whether it finished), the adapter's `adapter_config.json` (method and config) and
/// the folder's time. Lines that are not a known event are skipped, so a run still being written
/// (a line cut short) or a damaged file reads as far as it can.
public struct RunRecord: Sendable {
    public let folder: URL
    /// `lora`, `adalora`, ... (`peft_type`), or `full` for a run without an adapter.
    public let method: String
    /// The adapter's main settings (`r=8 lora_alpha=16 target_modules=q_proj,v_proj`).
    public let config: String
    public let steps: [Point]
    public let evaluations: [Point]
    public let totalSteps: Int?
    public let finished: Bool
    /// Tokens per second at the last reported step.
    public let tokensPerSecond: Double?
    /// When `metrics.jsonl` was last written.
    public let modified: Date

    /// A step and a loss.
    public struct Point: Sendable, Equatable {
        public var step: Int
        public var loss: Double
    }

    public var name: String { folder.lastPathComponent }
    public var lastStep: Int { steps.last?.step ?? evaluations.last?.step ?? 0 }
    /// The lowest eval loss and its step.
    public var bestEvaluation: Point? { evaluations.min { $0.loss < $1.loss } }

    /// Reads the run in `folder`; an error when it has no `metrics.jsonl`.
    public init(folder: URL) throws {
        let url = folder.appendingPathComponent("metrics.jsonl")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CommandError("runs", "\(folder.path) is not a run folder (no metrics.jsonl)")
        }
        self.folder = folder
        let parsed = Self.parse(metrics: String(decoding: data, as: UTF8.self))
        (steps, evaluations, totalSteps, finished, tokensPerSecond) = (parsed.steps, parsed.evaluations, parsed.totalSteps, parsed.finished, parsed.tokensPerSecond)
        modified = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        let adapter = (try? AdapterFolder.resolve(folder)).flatMap { FileManager.default.contents(atPath: $0.appendingPathComponent(AdapterFiles.configFileName).path) }
        let object = adapter.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        method = (object?["peft_type"] as? String)?.lowercased() ?? (adapter == nil ? "full" : "?")
        config = object.map(Self.summary) ?? ""
    }

    /// The events of a `metrics.jsonl` text.
    static func parse(metrics text: String) -> (steps: [Point], evaluations: [Point], totalSteps: Int?, finished: Bool, tokensPerSecond: Double?) {
        var steps: [Point] = [], evaluations: [Point] = []
        var total: Int?, finished = false, speed: Double?
        for line in text.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let event = object["event"] as? String, let step = (object["step"] as? NSNumber)?.intValue else { continue }
            switch event {
            case "step":
                // AdaLoRA's `loss` holds its regulariser; `loss_ce` is what compares with eval and other runs.
                guard let loss = ((object["loss_ce"] ?? object["loss"]) as? NSNumber)?.doubleValue else { continue }
                steps.append(Point(step: step, loss: loss))
                total = (object["total_steps"] as? NSNumber)?.intValue ?? total
                speed = (object["tokens_per_second"] as? NSNumber)?.doubleValue ?? speed
            case "eval":
                guard let loss = (object["eval_loss"] as? NSNumber)?.doubleValue else { continue }
                evaluations.append(Point(step: step, loss: loss))
            case "finished":
                finished = true
            default:
                continue
            }
        }
        return (steps, evaluations, total, finished, speed)
    }

    /// `r=8 lora_alpha=16 target_modules=q_proj,v_proj` from an adapter config's JSON.
    static func summary(_ object: [String: Any]) -> String {
        ["r", "init_r", "target_r", "lora_alpha", "alpha", "target_modules"].compactMap { key in
            guard let value = object[key], !(value is NSNull) else { return nil }
            let text = (value as? [Any]).map { $0.map { "\($0)" }.joined(separator: ",") } ?? "\(value)"
            return "\(key)=\(text)"
        }.joined(separator: " ")
    }

    /// Whether two URLs name the same folder (however written: relative parts, a trailing `/`).
    public static func sameFolder(_ a: URL, _ b: URL) -> Bool {
        a.standardizedFileURL.resolvingSymlinksInPath().path == b.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Every run under `folder` (a folder holding `metrics.jsonl`), newest first.
    public static func all(in folder: URL) -> [RunRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { try? RunRecord(folder: folder.appendingPathComponent($0)) }.sorted { $0.modified > $1.modified }
    }
}
