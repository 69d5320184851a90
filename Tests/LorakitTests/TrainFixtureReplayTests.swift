import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// PEFT's train-step and AdaLoRA-schedule cases replayed through `lorakit train`, as a user runs it:
/// a recipe whose `model:` is the case's `base/` folder exactly as it is (no tokenizer there) and
/// whose `data:` is the case's pre-tokenised inputs.
@Suite struct TrainFixtureReplayTests {
    /// A recipe repeating the case's optimizer on its one batch: constant learning rate, no clipping,
    /// no shuffling, every row in one batch.
    /// With `create_loraplus_optimizer_kwargs` in the case, the LoRA+ recipe keys it names; `extra`
    /// lines are appended.
    static func recipe(_ fixture: FixtureCase, adapter: String, outputDirectory: URL, extra: [String] = []) throws -> String {
        let optimizer = fixture.caseInfo["optimizer"] as! [String: Any]
        let loraPlus = optimizer["create_loraplus_optimizer_kwargs"] as? [String: Any] ?? [:]
        let betas = (optimizer["betas"] as? [Double]) ?? [0.9, 0.999]
        let loraPlusLines = ["loraplus_lr_ratio", "loraplus_lr_embedding", "loraplus_weight_decay"].compactMap { key in
            loraPlus[key].map { "\(key): \($0)" }
        }
        let lr = (loraPlus["lr"] ?? optimizer["lr"]) as! Double
        let weightDecay = (loraPlus["weight_decay"] ?? optimizer["weight_decay"]) as? Double ?? 0
        return """
            model: \(fixture.directory.appendingPathComponent("base").path)
            adapter: \(fixture.directory.appendingPathComponent(adapter).path)
            data: \(fixture.directory.appendingPathComponent("inputs.safetensors").path)
            output_dir: \(outputDirectory.path)
            max_steps: \(fixture.caseInfo["steps"] as! Int)
            batch_size: \(try fixture.input().batch)
            lr: \(lr)
            optimizer: \((optimizer["type"] as! String).lowercased())
            betas: [\(betas[0]), \(betas[1])]
            eps: \((optimizer["eps"] as? Double) ?? 1e-8)
            weight_decay: \(weightDecay)
            momentum: \((optimizer["momentum"] as? Double) ?? 0)
            schedule: constant
            warmup: 0
            max_grad_norm: 0
            shuffle: false
            """ + (loraPlusLines + extra).map { "\n" + $0 }.joined()
    }

    /// Runs `lorakit train` on the case in `scratch` and returns its output folder.
    static func train(_ fixture: FixtureCase, adapter: String, extra: [String] = [], scratch: ScratchFolder) throws -> URL {
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.appendingPathComponent("base/tokenizer.json").path))
        let output = scratch.url.appendingPathComponent("out")
        let recipeFile = scratch.url.appendingPathComponent("recipe.yaml")
        try recipe(fixture, adapter: adapter, outputDirectory: output, extra: extra).write(to: recipeFile, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipeFile.path], in: scratch.url)
        #expect(result.status == 0, "lorakit train failed: \(result.error)")
        return output
    }

    /// The step losses `lorakit train` wrote to metrics.jsonl: `loss` and, where a regulariser is in
    /// it, `loss_ce`.
    static func losses(_ output: URL) throws -> (loss: [Float], crossEntropy: [Float]) {
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let steps = try lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["event"] as? String == "step" }
        return (steps.map { Float($0["loss"] as! Double) }, steps.compactMap { ($0["loss_ce"] as? Double).map(Float.init) })
    }

    /// A case and the recipe lines it needs beyond its optimizer: AdaLoRA's orthogonal-regulariser
    /// case calls no `update_and_allocate`.
    static let trainStepCases: [(String, [String])] = [
        ("train_lora_llama", []), ("train_lora_gpt2", []), ("train_dora_llama", []), ("train_loraplus_llama", []),
        ("train_adalora_llama_orth", ["update_and_allocate: false"]), ("train_loha_llama", []), ("train_lokr_llama", []),
        ("train_vblora_llama", []), ("train_randlora_llama", []), ("train_lora_llama_trainable_tokens", []),
        // Made by scripts/make-dora-train-case.py: rows enough for DoRA's fused GEMMs, on both weight layouts.
        ("train_dora_llama_rows", []), ("train_dora_gpt2_rows", []),
    ]

    @Test(arguments: trainStepCases)
    func trainStepCaseMatchesAfterThreeSteps(_ name: String, _ extra: [String]) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let output = try Self.train(fixture, adapter: "adapter", extra: extra, scratch: scratch)
        let saved = try SafeTensorsFile(contentsOf: output.appendingPathComponent("adapter_model.safetensors"))
        let steps = fixture.caseInfo["steps"] as! Int
        let expectedNames = try fixture.expected.names.filter { $0.hasPrefix("after\(steps).") }
        #expect(!expectedNames.isEmpty)
        for expectedName in expectedNames {
            let key = String(expectedName.dropFirst("after\(steps).".count))
            let actual = try #require(try? saved.tensor(named: key), "\(name): the saved adapter has no \(key)")
            #expect(try fixture.mismatch(actual, expectedName: expectedName) == nil)
        }
        let (loss, crossEntropy) = try Self.losses(output)
        #expect(try fixture.mismatch(Tensor(shape: [loss.count], data: loss), expectedName: "losses") == nil)
        if try fixture.expected.names.contains("loss_ce") {
            #expect(try fixture.mismatch(Tensor(shape: [1], data: [crossEntropy.first ?? .nan]), expectedName: "loss_ce") == nil)
        }
    }

    /// A run resumed from its first checkpoint ends on exactly the adapter of the uninterrupted run:
    /// of a method with adapter-level shared tensors (the bank, and the optimizer state of it, come
    /// back), and of LoHa and LoKr.
    @Test(arguments: ["train_vblora_llama", "train_randlora_llama", "train_loha_llama", "train_lokr_llama"])
    func sharedTensorRunsResumeExactly(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder(), folder = scratch.url
        let output = try Self.train(fixture, adapter: "adapter", extra: ["save_every: 1"], scratch: scratch)
        let resumedOutput = folder.appendingPathComponent("resumed")
        let recipeFile = folder.appendingPathComponent("resumed.yaml")
        try Self.recipe(fixture, adapter: "adapter", outputDirectory: resumedOutput, extra: ["save_every: 1"]).write(to: recipeFile, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipeFile.path, "--resume", output.appendingPathComponent("checkpoint-1").path], in: folder)
        #expect(result.status == 0, "lorakit train --resume failed: \(result.error)")
        let weights = "adapter_model.safetensors"
        #expect(try Data(contentsOf: resumedOutput.appendingPathComponent(weights)) == Data(contentsOf: output.appendingPathComponent(weights)))
    }

    @Test(arguments: ["adalora_llama_schedule", "adalora_llama_schedule_long"])
    func adaloraScheduleWithSGDEndsOnPEFTsRankPattern(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let output = try Self.train(fixture, adapter: "adapter_init", scratch: scratch)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        let saved = try #require(config["rank_pattern"] as? [String: [Bool]])
        let expected = try #require(try fixture.expectedJSON["final_rank_pattern"] as? [String: [Bool]])
        #expect(saved == expected)
    }
}
