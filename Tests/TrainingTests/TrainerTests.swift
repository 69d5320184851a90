import FixtureSupport
import Foundation
import Models
import Testing
import Training

/// End-to-end runs on a tiny LLaMA built from a config, with the byte-level BPE fixture tokenizer.
@Suite struct TrainerTests {
    /// A model folder (config.json + tokenizer.json, no weights) and a training text, in a temporary folder.
    final class Workspace {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-train-\(UUID().uuidString)")

        /// `config` adds to (or replaces) keys of the tiny LLaMA's config.
        init(text: String, config extra: [String: Any] = [:]) throws {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let config: [String: Any] = ["architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 400, "hidden_size": 32,
                                         "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                                         "max_position_embeddings": 64, "tie_word_embeddings": true].merging(extra) { $1 }
            try JSONSerialization.data(withJSONObject: config).write(to: url.appendingPathComponent("config.json"))
            try FileManager.default.copyItem(at: FixtureCase.root.appendingPathComponent("tokenizer_bytelevel_bpe/tokenizer.json"),
                                             to: url.appendingPathComponent("tokenizer.json"))
            try text.write(to: url.appendingPathComponent("data.txt"), atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(at: url) }

        func recipe(_ extra: String = "", overrides: [String] = []) throws -> Recipe {
            try Recipe(yaml: """
            model: \(url.path)
            from_scratch: true
            data: \(url.path)/data.txt
            output_dir: \(url.path)/out
            max_steps: 25
            batch_size: 4
            seq_len: 16
            lr: 0.01
            schedule: constant
            eval_split: 0.2
            \(extra)
            """, source: "test.yaml", overrides: overrides)
        }
    }

    static let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 60)

    func losses(_ run: TrainingRun) throws -> [Double] {
        var losses: [Double] = []
        try run.run { if case let .step(m) = $0 { losses.append(m.loss) } }
        return losses
    }

    @Test func lossFallsAndTheRunIsReproducible() throws {
        let workspace = try Workspace(text: Self.text)
        let first = try losses(TrainingRun(recipe: workspace.recipe()))
        #expect(first.count == 25)
        #expect(first.last! < first.first! * 0.5, "the loss on a repeated sentence must fall: \(first)")
        let second = try losses(TrainingRun(recipe: workspace.recipe(overrides: ["overwrite_output_dir=true"])))
        #expect(first == second, "the same seed must give the same losses bit for bit")
        let reloaded = try ModelLoader.load(directory: workspace.url.appendingPathComponent("out"))
        #expect(reloaded.model.parameterCounts().total == 400 * 32 + 2 * (2 * 32 * 32 + 2 * 32 * 16 + 3 * 32 * 64 + 64) + 32)
        let metrics = try String(contentsOf: workspace.url.appendingPathComponent("out/metrics.jsonl"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").filter { $0.contains("\"event\":\"step\"") }.count == 25)
        #expect(metrics.contains("\"event\":\"eval\""))
    }

    /// Each family's own pieces (q/k norms, sliding windows, Gemma's norms, Phi-3's fused projections
    /// and partial rotary) train: the loss on the repeated sentence falls as LLaMA's does.
    @Test(arguments: [
        ["architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "head_dim": 16],
        ["architectures": ["MistralForCausalLM"], "model_type": "mistral", "sliding_window": 4],
        ["architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "head_dim": 16, "query_pre_attn_scalar": 24,
         "sliding_window": 4, "layer_types": ["sliding_attention", "full_attention"]],
        ["architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "rope_parameters": ["rope_type": "default", "rope_theta": 10000, "partial_rotary_factor": 0.5]],
    ] as [[String: any Sendable]])
    func otherDecoderFamiliesTrain(_ config: [String: any Sendable]) throws {
        let workspace = try Workspace(text: Self.text, config: config)
        let run = try TrainingRun(recipe: workspace.recipe())
        let losses = try losses(run)
        #expect(losses.last! < losses.first! * 0.5, "\(config["model_type"]!): \(losses)")
        // The full weights it saved load back as the same architecture, with the trained values.
        let reloaded = try ModelLoader.load(directory: workspace.url.appendingPathComponent("out")).model
        #expect(reloaded.architecture == run.model.architecture && reloaded.parameterCounts().total == run.model.parameterCounts().total)
        let trained = Dictionary(uniqueKeysWithValues: run.model.namedParameters().map { ($0.name, $0.parameter) })
        for (name, parameter) in reloaded.namedParameters() {
            #expect(try parameter.value().scalars == trained[name]?.value().scalars, "\(name)")
        }
    }

    @Test func stopRequestsEndTheRunAtAStepBoundary() throws {
        let workspace = try Workspace(text: Self.text)
        let run = try TrainingRun(recipe: workspace.recipe())
        var events: [TrainingEvent] = []
        try run.run(shouldStop: { events.count >= 3 }) { events.append($0) }
        #expect(events.contains(.finished(step: 3, reason: .stopped)))
        #expect(FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("out/model.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: workspace.url.appendingPathComponent("out/checkpoint-3/trainer_state.json").path))
    }

    @Test func resumingContinuesTheUninterruptedLossCurve() throws {
        let workspace = try Workspace(text: Self.text)
        let uninterrupted = try losses(TrainingRun(recipe: workspace.recipe()))
        let first = try TrainingRun(recipe: workspace.recipe(overrides: ["overwrite_output_dir=true"]))
        var head: [Double] = []
        try first.run(shouldStop: { head.count >= 10 }) { if case let .step(m) = $0 { head.append(m.loss) } }
        let resumed = try TrainingRun(recipe: workspace.recipe(), resumeFrom: workspace.url.appendingPathComponent("out/checkpoint-10"))
        #expect(resumed.trainer.step == 10)
        let tail = try losses(resumed)
        #expect(head + tail == uninterrupted, "a resumed run must continue the loss curve exactly")
    }

    @Test func aNonFiniteLossStopsTheRunNamingTheStep() throws {
        let workspace = try Workspace(text: Self.text)
        let run = try TrainingRun(recipe: workspace.recipe(overrides: ["lr=1e30", "max_grad_norm=0", "save_every=2"]))
        var events: [TrainingEvent] = []
        do {
            try run.run { events.append($0) }
            Issue.record("an exploding run must stop")
        } catch let error as RecipeError {
            #expect(error.message.contains("the loss became") && error.message.contains("at step"))
        }
        #expect(events.contains { if case .finished(_, .nonFiniteLoss) = $0 { return true } else { return false } })
    }

    @Test func recipeMistakesAreNamed() throws {
        let workspace = try Workspace(text: Self.text)
        #expect(throws: RecipeError("test.yaml: unknown key \"lerning_rate\"")) { try workspace.recipe("lerning_rate: 3") }
        #expect(throws: RecipeError("test.yaml: unknown key \"bach_size\"; did you mean batch_size?")) { try workspace.recipe("bach_size: 3") }
        #expect(throws: RecipeError("test.yaml: optimizer must be one of adamw, sgd, got adam")) { try workspace.recipe("optimizer: adam") }
        #expect(throws: RecipeError("test.yaml: shuffle must be true or false, not a string")) { try workspace.recipe("shuffle: often") }
        #expect(throws: RecipeError("test.yaml: batch_size must be a whole number ≥ 1, got 2.5")) { try workspace.recipe(overrides: ["batch_size=2.5"]) }
        #expect(try workspace.recipe("optimizer: sgd").optimizer == .sgd)
        let overridden = try Recipe(yaml: "model: m\ndata: d\noutput_dir: o\nmax_steps: 3", source: "r.yaml", overrides: ["lr=1e-4", "batch_size=2"])
        #expect(overridden.lr == 1e-4 && overridden.batchSize == 2)
    }

    @Test func badDataIsReportedWithFileAndLine() throws {
        let workspace = try Workspace(text: Self.text)
        let jsonl = workspace.url.appendingPathComponent("bad.jsonl")
        try "{\"text\": \"fine\"}\n\n{\"txt\": \"oops\"}\n".write(to: jsonl, atomically: true, encoding: .utf8)
        #expect(throws: DataError("\(jsonl.path):3: no \"text\" field (fields: txt)")) { try DataRecords(jsonl.path) }
        try "{\"text\": \"fine\"}\nnot json\n".write(to: jsonl, atomically: true, encoding: .utf8)
        #expect(throws: DataError("\(jsonl.path):2: not a JSON object; each line must be like {\"text\": \"...\"}")) { try DataRecords(jsonl.path) }
        try "".write(to: jsonl, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try DataRecords(jsonl.path) }
        #expect(throws: DataError.self) { try TrainingRun(recipe: workspace.recipe(overrides: ["seq_len=100000"])) }
    }
}
