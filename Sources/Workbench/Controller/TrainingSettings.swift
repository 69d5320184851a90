import Foundation
import JSON
import Training

/// The recipe keys `train KEY=VALUE` and `recipe set` set, remembered across runs of a session: a
/// partial recipe over defaults suited to a short interactive run. The model, tokenizer and adapter
/// come from the session, so those recipe keys are refused here.
public struct TrainingSettings: Equatable, Sendable {
    /// The workbench's defaults, suited to a short interactive run.
    static let defaultRecipe = PartialRecipe([
        "max_steps": .int(60), "batch_size": .int(4), "seq_len": .int(64), "lr": .number("2e-4"), "warmup": .number("0.1"),
        "eval_split": .number("0.02"), "eval_every": .int(20), "logging": .int(1), "seed": .int(42),
    ])

    /// The settings as a partial recipe.
    public internal(set) var partial = defaultRecipe

    /// Values as one writes them after `KEY=`, by recipe key.
    public var values: [String: String] { partial.values.keys.reduce(into: [:]) { $0[$1] = partial.text(of: $1) } }

    /// The workbench's defaults as one writes them after `KEY=`, by recipe key.
    public static var defaults: [String: String] { TrainingSettings().values }

    /// A recipe key as the settings form shows it, with a line of help.
    public struct Field: Sendable, Equatable {
        public let key: String
        public let help: String
    }

    /// The settings the form lists, in order; every other recipe key is set with `recipe set`.
    public static let formFields: [Field] = [
        Field(key: "lr", help: "peak learning rate (after warmup)"),
        Field(key: "max_steps", help: "optimizer steps of the run"),
        Field(key: "batch_size", help: "sequences per step (per rank)"),
        Field(key: "seq_len", help: "tokens per sequence"),
        Field(key: "schedule", help: "learning-rate schedule: " + LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", ")),
        Field(key: "warmup", help: "warmup steps; below 1 a fraction of max_steps"),
        Field(key: "eval_every", help: "evaluate every N steps (0: at the end)"),
        Field(key: "save_every", help: "checkpoint every N steps (0: at the end)"),
        Field(key: "eval_split", help: "fraction of the data held out for evaluation"),
        Field(key: "grad_accum", help: "batches accumulated per optimizer step"),
        Field(key: "save_total_limit", help: "keep the newest N checkpoints and the best (empty: all)"),
        Field(key: "seed", help: "seed of the adapter's initialisation, data order and dropout"),
    ]

    /// `key`'s value as one writes it after `KEY=`, or nil when the recipe's own default applies.
    public func value(of key: String) -> String? { partial.text(of: key) }

    /// Refuses settings a run would refuse, with the recipe's reason (the key, its range).
    func check(command: String) throws {
        do {
            _ = try recipe(model: "builtin:tiny-llama", data: DataCommands.defaultSource, outputDirectory: "runs/check")
        } catch let error as RecipeError {
            throw CommandError(command, error.message.replacingOccurrences(of: Self.source + ": ", with: ""))
        }
    }

    /// Why a run would refuse the settings with `key` set to `value`, or nil when it takes them.
    public func problem(setting key: String, to value: String) -> String? {
        var candidate = self
        do {
            try candidate.apply([(key, value)], command: "recipe set")
            try candidate.check(command: "recipe set")
            return nil
        } catch let error as CommandError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Takes `key` back to the workbench's default (or the recipe's, when the workbench has none).
    mutating func unset(_ key: String, command: String) throws {
        guard Self.keys.contains(key) else { throw CommandError.unknown(command, what: "recipe key", word: key, valid: Self.keys) }
        partial[key] = Self.defaultRecipe[key]
    }

    /// Whether `key` differs from the workbench's default, by value (`lr=0.0002` is the default 2e-4).
    public func isChanged(_ key: String) -> Bool { partial[key] != Self.defaultRecipe[key] }

    /// `max_steps`, if set.
    public var maxSteps: Int? { partial["max_steps"]?.integer }

    /// Keys that come from the session rather than `train`.
    static let sessionKeys: [String: String] = [
        "model": "load", "from_scratch": "load --from-scratch", "tokenizer": "load", "adapter": "adapter new / adapter load", "data": "data load",
        "base_dtype": "load MODEL --dtype", "double_quant": "load MODEL --dtype nf4 --double-quant",
    ]

    /// Recipe keys `train` accepts.
    public static var keys: [String] { Recipe.keys.filter { sessionKeys[$0] == nil } }

    /// Applies `KEY=VALUE` pairs as `lorakit train --set` applies them (`PartialRecipe.apply`; an
    /// empty value gives the key back to the recipe's default); session keys are refused, naming the
    /// command that sets them, and unknown keys with the closest known one.
    mutating func apply(_ pairs: [(key: String, value: String)], command: String) throws {
        for (key, value) in pairs {
            if let source = Self.sessionKeys[key] { throw CommandError(command, "\(key) comes from the session; set it with `\(source)`") }
            guard Self.keys.contains(key) else { throw CommandError.unknown(command, what: "recipe key", word: key, valid: Self.keys) }
            do { try partial.apply(key: key, value: value) } catch let error as RecipeError { throw CommandError(command, error.message) }
        }
    }

    /// How recipe errors name these settings.
    static let source = "the training settings"

    /// A recipe from these values for `model` and `data`, written to `outputDirectory` unless an
    /// `output_dir` is set; errors are the recipe's (key, range, closest known key).
    func recipe(model: String, data: String, outputDirectory: String) throws -> Recipe {
        var all = partial
        all["model"] = .string(model)
        all["data"] = .string(data)
        if all["output_dir"] == nil { all["output_dir"] = .string(outputDirectory) }
        return try Recipe(all, source: Self.source)
    }
}

extension String {
    /// The string with spaces before it up to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }

    /// The string with spaces after it up to `width` characters.
    func rightPadded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
