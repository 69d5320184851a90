import Foundation
import Models
import Testing
import Tuners
@testable import Training

/// Checkpoints as transformers' Trainer writes them for PEFT models: each `checkpoint-N` is a PEFT
/// adapter, `save_total_limit` keeps the newest and the best, the best is marked, and a fresh run
/// never writes into a folder holding another.
@Suite struct CheckpointTests {
    static let adapter = """
    adapter:
      peft_type: LORA
      r: 4
      target_modules: [q_proj, v_proj]
    """

    @Test func everyCheckpointIsAPeftAdapterThatLoadsWithTheCheckpointsWeights() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let run = try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 10"))
        try run.run { _ in }
        let checkpoint = workspace.url.appendingPathComponent("out/checkpoint-20")
        for file in ["adapter_config.json", "adapter_model.safetensors", "trainer_state.json", "optimizer.safetensors", "model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent(file).path), "\(file)")
        }
        let base = try ModelLoader.build(config: ConfigReader(contentsOf: workspace.url.appendingPathComponent("config.json")),
                                         factory: ParameterFactory(.initialized(std: 0.02, seed: 42)))
        let peft = try PeftModel.fromPretrained(base, directory: checkpoint)
        let saved = try SafeTensorsFile(contentsOf: checkpoint.appendingPathComponent("model.safetensors"))
        let name = "model.layers.1.self_attn.v_proj.lora_B.default.weight"
        let loaded = try #require(peft.model.namedParameters().first { $0.name == name })
        #expect(try loaded.parameter.value().scalars == saved.tensor(named: name).scalars)
    }

    @Test func checkpointsAreWrittenOnTheirStepsWhateverTheLoggingInterval() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 3\nlogging: 10")).run { _ in }
        #expect(CheckpointKeeper.checkpointSteps(in: workspace.url.appendingPathComponent("out")) == [3, 6, 9, 12, 15, 18, 21, 24])
    }

    @Test func saveTotalLimitKeepsTheNewestAndTheBestWhichIsMarked() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        let run = try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 2\neval_every: 2\nsave_total_limit: 2"))
        var evaluations: [Int: Double] = [:]
        try run.run { if case let .evaluation(m) = $0 { evaluations[m.step] = m.loss } }
        let out = workspace.url.appendingPathComponent("out")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run_state.json"))) as? [String: Any]
        let saved = evaluations.filter { $0.key < 25 && $0.key % 2 == 0 }
        let best = try #require(saved.min { $0.value < $1.value })
        #expect(state?["best_model_checkpoint"] as? String == out.appendingPathComponent("checkpoint-\(best.key)").path)
        #expect(state?["metric_for_best_model"] as? String == "eval_loss")
        let kept = CheckpointKeeper.checkpointSteps(in: out)
        #expect(kept.contains(best.key) && kept.contains(24))
        #expect(kept.count <= 3, "\(kept)")
    }

    @Test func aFreshRunRefusesAFolderHoldingAnotherUnlessToldToOverwrite() throws {
        let workspace = try TrainerTests.Workspace(text: TrainerTests.text)
        try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 10")).run { _ in }
        let out = workspace.url.appendingPathComponent("out")
        #expect(throws: RecipeError("output_dir \(out.path) holds another run (checkpoint-10, checkpoint-20, metrics.jsonl, …); continue it with --resume \(out.path)/checkpoint-20, choose another output_dir, or set overwrite_output_dir: true to replace it")) {
            try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 12"))
        }
        try TrainingRun(recipe: workspace.recipe(Self.adapter + "\nsave_every: 12\noverwrite_output_dir: true")).run { _ in }
        #expect(CheckpointKeeper.checkpointSteps(in: out) == [12, 24])
    }
}
