import Foundation
import JSON
import Testing
import Training
import Tuners
@testable import Workbench

/// The drafts a session edits, kept as values: the adapter config as JSON values (set key by key
/// with PEFT's validation, written out once), the training settings as a partial recipe read by the
/// same `apply(key:value:)` as `lorakit train --set`; and `eval` through the run's own evaluator.
@Suite struct TypedDraftsTests {
    @Test func everyConfigFieldReadsBackFromTheTextItIsShownAs() throws {
        let session = try TestSession()
        for method in PeftMethods.all {
            try session.run("method \(method.name)")
            for field in method.fields where field.key != "target_modules" && field.key != "exclude_modules" {
                let (value, shown) = (session.controller.draft.json(of: field.key), session.controller.draft.value(of: field.key))
                try session.run("config set \(field.key) \(CommandWords.quoted(shown))")
                #expect(session.controller.draft.json(of: field.key) == value, "\(method.name) \(field.key) = \(shown)")
            }
        }
    }

    @Test func configSetThenShowThenSaveAndLoadKeepTheValues() throws {
        let session = try TestSession()
        try session.run("config set r 16")
        try session.run("config set lora_dropout 0.1")
        try session.run("config set bias lora_only")
        #expect(try session.run("config set layers_to_transform [0, 1]") == "layers_to_transform = [0, 1]")
        try session.run("target add k_proj")
        let shown = try session.run("config show")
        func line(_ key: String, _ value: String, changed: Bool = true) -> String { (changed ? "* " : "  ") + key.rightPadded(to: 20) + " " + value }
        #expect(shown.contains(line("r", "16")) && shown.contains(line("bias", "\"lora_only\"")), "\(shown)")
        #expect(shown.contains(line("lora_dropout", "0.1")) && shown.contains(line("use_dora", "false", changed: false)), "\(shown)")
        // A value PEFT refuses is refused with PEFT's message and not kept.
        #expect(session.failure("config set lora_dropout 1.5") == "config set: lora_dropout: must be in [0, 1); got 1.5")
        #expect(session.controller.draft.json(of: "lora_dropout") == .number("0.1"))
        let file = session.folder.appendingPathComponent("config.json")
        try session.run("config save \(file.path)")
        let (draft, rules) = (session.controller.draft, session.controller.rules)
        try session.run("method loha")
        try session.run("config load \(file.path)")
        #expect(session.controller.draft.method == .lora)
        for (key, value) in draft.values { #expect(session.controller.draft.json(of: key) == value, "\(key)") }
        #expect(Set(session.controller.rules.entries) == Set(rules.entries) && rules.entries.count == 3)
    }

    /// A value for every recipe key the workbench takes, as one writes it after `KEY=`.
    static func samples(in folder: URL) -> [String: String] {
        ["chat_template": "t.jinja", "assistant_only_loss": "false", "loraplus_lr_ratio": "16", "loraplus_lr_embedding": "1e-6",
         "loraplus_weight_decay": "0.01", "update_and_allocate": "false", "eval_data": folder.appendingPathComponent("eval.txt").path,
         "eval_split": "0.1", "output_dir": folder.appendingPathComponent("out").path, "max_steps": "10", "epochs": "1.5",
         "batch_size": "2", "grad_accum": "2", "seq_len": "32", "lr": "1e-4", "schedule": "cosine", "warmup": "3", "weight_decay": "0.01",
         "betas": "[0.9, 0.95]", "eps": "1e-8", "max_grad_norm": "0.5", "seed": "7", "shuffle": "false", "optimizer": "sgd",
         "momentum": "0.9", "eval_every": "5", "save_every": "5", "save_total_limit": "2", "overwrite_output_dir": "true",
         "logging": "2", "gradient_checkpointing": "true"]
    }

    @Test func everyRecipeKeyRoundTripsThroughSetShowHelpAndSave() throws {
        let session = try TestSession()
        let samples = Self.samples(in: session.folder)
        #expect(Set(samples.keys) == Set(TrainingSettings.keys), "the samples name every key `recipe set` takes")
        for key in TrainingSettings.keys {
            let text = try #require(samples[key])
            #expect(try session.run("recipe set " + CommandWords.quoted("\(key)=\(text)")) == "\(key) = \(text)")
            #expect(session.controller.training.value(of: key) == text)
            #expect(try session.run("help \(key)").hasSuffix("now \(text)"))
        }
        #expect(try session.run("recipe show").contains("* " + "schedule".rightPadded(to: 17) + " cosine"))
        let file = session.folder.appendingPathComponent("session.yaml")
        try session.run("recipe save \(file.path)")
        let saved = try PartialRecipe(yaml: String(contentsOf: file, encoding: .utf8), source: file.path)
        #expect(saved == (try RecipeExport.recipe(session.controller, command: "recipe save").recipe))
        for key in TrainingSettings.keys { #expect(saved[key] == session.controller.training.partial[key], "\(key)") }
        #expect(saved["adapter"]?.members != nil && saved["from_scratch"] == .bool(true))
    }

    @Test func evalGivesTheLossTheRunLoggedForTheSameAdapterAndData() throws {
        let session = try TestSession()
        #expect(try session.run("eval").hasPrefix("eval loss "), "the base model, with no adapter yet, is evaluated too")
        try session.train(steps: 4)
        let record = try RunRecord(folder: try #require(session.controller.job?.outputDirectory))
        let last = try #require(record.evaluations.last)
        #expect(last.step == 4)
        let shown = try session.run("eval")
        #expect(shown == String(format: "eval loss %.4f  perplexity %.2f", last.loss, exp(last.loss)), "\(shown) vs \(last.loss)")
    }
}
