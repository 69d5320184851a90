import Foundation
import Training

/// The recipe keys `train KEY=VALUE` sets, remembered across runs of a session, with defaults
/// suited to a short interactive run. The model, tokenizer and adapter come from the session, so
/// those recipe keys are refused here.
public struct TrainingSettings: Equatable, Sendable {
    /// Values as YAML text, by recipe key.
    public internal(set) var values: [String: String] = [
        "max_steps": "60", "batch_size": "4", "seq_len": "64", "lr": "2e-4", "warmup": "0.1",
        "eval_split": "0.02", "eval_every": "20", "logging": "1", "seed": "42",
    ]

    /// `max_steps`, if set.
    public var maxSteps: Int? { values["max_steps"].flatMap { Int($0) } }

    /// Keys that come from the session rather than `train`.
    static let sessionKeys: [String: String] = [
        "model": "load", "from_scratch": "load --from-scratch", "tokenizer": "load", "adapter": "adapter new / adapter load", "data": "data load",
        "base_dtype": "load MODEL --dtype", "double_quant": "load MODEL --dtype nf4 --double-quant",
    ]

    /// Recipe keys `train` accepts.
    public static var keys: [String] { Recipe.keys.filter { sessionKeys[$0] == nil } }

    /// Applies `KEY=VALUE` pairs; unknown keys are refused with the closest known one.
    mutating func apply(_ pairs: [(key: String, value: String)], command: String) throws {
        for (key, value) in pairs {
            if let source = Self.sessionKeys[key] { throw CommandError(command, "\(key) comes from the session; set it with `\(source)`") }
            guard Self.keys.contains(key) else { throw CommandError.unknown(command, what: "recipe key", word: key, valid: Self.keys) }
            values[key] = value
        }
    }

    /// A recipe from these values for `model` and `data`, written to `outputDirectory` unless an
    /// `output_dir` is set; errors are the recipe's (key, range, closest known key).
    func recipe(model: String, data: String, outputDirectory: String) throws -> Recipe {
        var all = values
        all["model"] = model
        all["data"] = data
        if all["output_dir"] == nil { all["output_dir"] = outputDirectory }
        return try Recipe(yaml: "", source: "the training settings", overrides: all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
    }
}

extension String {
    /// The string with spaces before it up to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }

    /// The string with spaces after it up to `width` characters.
    func rightPadded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
