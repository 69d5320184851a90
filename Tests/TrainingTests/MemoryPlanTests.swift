import FixtureSupport
import Foundation
import Models
import Testing
import Training

/// `lorakit plan`'s estimates from the config alone, for the built-in model and a replicated stack.
@Suite struct MemoryPlanTests {
    @Test func packedBasesAndCheckpointingNeedLess() throws {
        let recipe = try Recipe(yaml: """
            model: builtin:tiny-llama
            data: builtin:fortunes
            output_dir: unused
            max_steps: 1
            batch_size: 4
            seq_len: 128
            adapter: {peft_type: LORA, r: 8, lora_alpha: 16, target_modules: all-linear}
            """, source: "plan test")
        let plan = try MemoryPlan(recipe: recipe)
        let (model, _) = try ModelReference("builtin:tiny-llama").load()
        let parameters = model.namedParameters().reduce(0) { $0 + $1.parameter.count }
        let float32 = plan.estimate(.float32, checkpointing: false)
        #expect(float32.baseBytes == 4 * parameters)
        #expect(float32.adapterBytes == 16 * plan.trainableParameters && plan.trainableParameters > 0)
        let nf4 = plan.estimate(.nf4, checkpointing: false), bf16 = plan.estimate(.bfloat16, checkpointing: false)
        #expect(nf4.baseBytes < bf16.baseBytes && bf16.baseBytes < float32.baseBytes)
        let checkpointed = plan.estimate(.nf4, checkpointing: true)
        #expect(checkpointed.activationBytes < nf4.activationBytes && checkpointed.flops > nf4.flops)
        #expect(plan.recipeEstimate == float32)
        #expect(plan.warning(machine: MachineMemory(total: 1 << 40, available: 1 << 40)) == nil)
        #expect(plan.warning(machine: MachineMemory(total: 1 << 20, available: 1 << 20))?.contains("lorakit plan") == true)
        let table = plan.formatted(gemmGFlops: 10, machine: MachineMemory(total: 1 << 40, available: 1 << 40))
        #expect(table.contains("float32 ←") && table.contains("nf4") && table.contains("bfloat16"))
    }

    /// `layer_replication` (`lora_llama_layer_replication`): the plan counts the expanded stack's
    /// activations, adapters and GEMM work as those of a checkpoint with that many layers, and the
    /// base weights the copies share once, as those of the checkpoint.
    @Test func aReplicatedStackCountsEveryCopyButItsSharedWeightsOnce() throws {
        let fixture = try FixtureCase("lora_llama_layer_replication")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-plan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ object: [String: Any], _ path: String, as file: String) throws -> URL {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: object).write(to: url.appendingPathComponent(file))
            return url
        }
        func json(_ path: String) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(contentsOf: fixture.directory.appendingPathComponent(path))) as? [String: Any])
        }
        let base = fixture.directory.appendingPathComponent("base")
        let expanded = try #require(try fixture.expectedJSON["layer_map"] as? [Int]).count
        var config = try json("base/config.json"), adapter = try json("adapter/adapter_config.json")
        config["num_hidden_layers"] = expanded
        adapter["inference_mode"] = false  // a run trains it
        let replicated = try write(adapter, "replicated", as: "adapter_config.json")
        adapter["layer_replication"] = NSNull()
        let (deeper, plain) = (try write(config, "deeper", as: "config.json"), try write(adapter, "plain", as: "adapter_config.json"))
        func plan(_ model: URL, _ adapter: URL) throws -> MemoryPlan {
            try MemoryPlan(recipe: Recipe(yaml: """
                model: \(model.path)
                data: builtin:fortunes
                output_dir: unused
                max_steps: 1
                batch_size: 2
                seq_len: 16
                adapter: \(adapter.path)
                """, source: "plan test"))
        }
        let (copies, asDeep, asCheckpoint) = (try plan(base, replicated), try plan(deeper, plain), try plan(base, plain))
        #expect(copies.modelSummary.contains("\(expanded) layers"), "\(copies.modelSummary)")
        #expect(copies.trainableParameters == asDeep.trainableParameters && copies.trainableParameters > asCheckpoint.trainableParameters)
        for checkpointing in [false, true] {
            let (e, deep, own) = (copies.estimate(.float32, checkpointing: checkpointing), asDeep.estimate(.float32, checkpointing: checkpointing),
                                  asCheckpoint.estimate(.float32, checkpointing: checkpointing))
            #expect(e.activationBytes == deep.activationBytes && e.activationBytes > own.activationBytes)
            #expect(e.adapterBytes == deep.adapterBytes && e.flops == deep.flops)
            #expect(e.baseBytes == own.baseBytes && e.baseBytes < deep.baseBytes)
        }
    }
}
