import Foundation
import Models
import Testing
import Training

/// `lorakit plan`'s estimates from the config alone, for the built-in model.
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
}
