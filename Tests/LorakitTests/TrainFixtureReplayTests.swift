import FixtureSupport
import Foundation
import Models
import Testing

/// PEFT's train-step and AdaLoRA-schedule cases replayed through `lorakit train`, as a user runs it:
/// a recipe whose `model:` is the case's `base/` folder exactly as it is (no tokenizer there) and
/// whose `data:` is the case's pre-tokenised inputs.
@Suite struct TrainFixtureReplayTests {
    /// A recipe repeating the case's optimizer on its one batch: constant learning rate, no clipping,
    /// no shuffling, every row in one batch.
    static func recipe(_ fixture: FixtureCase, adapter: String, outputDirectory: URL) throws -> String {
        let optimizer = fixture.caseInfo["optimizer"] as! [String: Any]
        let betas = (optimizer["betas"] as? [Double]) ?? [0.9, 0.999]
        return """
            model: \(fixture.directory.appendingPathComponent("base").path)
            adapter: \(fixture.directory.appendingPathComponent(adapter).path)
            data: \(fixture.directory.appendingPathComponent("inputs.safetensors").path)
            output_dir: \(outputDirectory.path)
            max_steps: \(fixture.caseInfo["steps"] as! Int)
            batch_size: \(try fixture.input().batch)
            lr: \(optimizer["lr"] as! Double)
            optimizer: \((optimizer["type"] as! String).lowercased())
            betas: [\(betas[0]), \(betas[1])]
            eps: \((optimizer["eps"] as? Double) ?? 1e-8)
            weight_decay: \((optimizer["weight_decay"] as? Double) ?? 0)
            momentum: \((optimizer["momentum"] as? Double) ?? 0)
            schedule: constant
            warmup: 0
            max_grad_norm: 0
            shuffle: false
            """
    }

    /// Runs `lorakit train` on the case and returns its output folder.
    static func train(_ fixture: FixtureCase, adapter: String) throws -> URL {
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.appendingPathComponent("base/tokenizer.json").path))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("out")
        let recipeFile = folder.appendingPathComponent("recipe.yaml")
        try recipe(fixture, adapter: adapter, outputDirectory: output).write(to: recipeFile, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipeFile.path], in: folder)
        #expect(result.status == 0, "lorakit train failed: \(result.error)")
        return output
    }

    @Test(arguments: ["train_lora_llama", "train_lora_gpt2"])
    func trainStepCaseMatchesAfterThreeSteps(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let output = try Self.train(fixture, adapter: "adapter")
        defer { try? FileManager.default.removeItem(at: output.deletingLastPathComponent()) }
        let saved = try SafeTensorsFile(contentsOf: output.appendingPathComponent("adapter_model.safetensors"))
        let steps = fixture.caseInfo["steps"] as! Int
        let expectedNames = try fixture.expected.names.filter { $0.hasPrefix("after\(steps).") }
        #expect(!expectedNames.isEmpty)
        for expectedName in expectedNames {
            let key = String(expectedName.dropFirst("after\(steps).".count))
            let actual = try #require(try? saved.tensor(named: key), "\(name): the saved adapter has no \(key)")
            #expect(try fixture.mismatch(actual, expectedName: expectedName) == nil)
        }
    }

    @Test func adaloraScheduleWithSGDEndsOnPEFTsRankPattern() throws {
        let fixture = try FixtureCase("adalora_llama_schedule")
        let output = try Self.train(fixture, adapter: "adapter_init")
        defer { try? FileManager.default.removeItem(at: output.deletingLastPathComponent()) }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        let saved = try #require(config["rank_pattern"] as? [String: [Bool]])
        let expected = try #require(try fixture.expectedJSON["final_rank_pattern"] as? [String: [Bool]])
        #expect(saved == expected)
    }
}
