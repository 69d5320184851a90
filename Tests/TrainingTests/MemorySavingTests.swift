import Foundation
import Models
import Tensors
import Testing
import Training

/// Packed base weights (`base_dtype`) and gradient checkpointing, through recipes as a user runs them.
@Suite struct MemorySavingTests {
    static func recipe(_ extra: String, output: URL) throws -> Recipe {
        try Recipe(yaml: """
            model: builtin:tiny-llama
            data: builtin:fortunes
            output_dir: \(output.path)
            max_steps: 3
            batch_size: 2
            seq_len: 24
            lr: 1e-3
            seed: 7
            adapter: {peft_type: LORA, r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: all-linear}
            \(extra)
            """, source: "test recipe")
    }

    /// The trained adapter's values by name after a 3-step run.
    static func trainedAdapter(_ extra: String) throws -> [String: [Float]] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-memory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try TrainingRun(recipe: recipe(extra, output: output))
        try run.run { _ in }
        let peft = try #require(run.peft)
        return Dictionary(uniqueKeysWithValues: try peft.trainableParameters.map { ($0.name, try $0.parameter.value().scalars) })
    }

    /// Recomputing each block in the backward pass (with its dropout masks) changes nothing: the
    /// same adapter, bit for bit, with a float32 and with an nf4 base.
    @Test(arguments: ["float32", "nf4"])
    func checkpointingGivesTheSameAdapterAfterThreeSteps(_ dtype: String) throws {
        let plain = try Self.trainedAdapter("base_dtype: \(dtype)")
        let checkpointed = try Self.trainedAdapter("base_dtype: \(dtype)\ngradient_checkpointing: true")
        #expect(!plain.isEmpty && plain.keys.sorted() == checkpointed.keys.sorted())
        for (name, values) in plain { #expect(checkpointed[name] == values, "\(name) differs with checkpointing") }
    }

    /// nf4 packs the decoder's linear weights in 4 bits and keeps the head and embeddings in bf16;
    /// bf16 packs them all in 16 bits; norms stay float32; training runs on either.
    @Test func packedBasesStoreWeightsAsAsked() throws {
        let reference = try ModelReference("builtin:tiny-llama")
        let (float32, _) = try reference.load()
        for storage in [BaseStorage(dtype: .nf4), BaseStorage(dtype: .bfloat16), BaseStorage(dtype: .nf4, doubleQuantization: true)] {
            let (model, _) = try reference.load(storage: storage)
            let q = try #require(model.module(at: "model.layers.0.self_attn.q_proj")?.parameter("weight"))
            let head = try #require(model.module(at: "lm_head")?.parameter("weight") ?? model.module(at: "model.embed_tokens")?.parameter("weight"))
            let norm = try #require(model.module(at: "model.norm")?.parameter("weight"))
            #expect(q.frozen?.format == (storage.dtype == .nf4 ? .nf4 : .bfloat16))
            #expect(head.frozen?.format == .bfloat16 && norm.frozen == nil)
            let bytes = model.namedParameters().reduce(0) { $0 + $1.parameter.byteCount }
            let floatBytes = float32.namedParameters().reduce(0) { $0 + $1.parameter.byteCount }
            // bf16 halves everything but the norms; nf4 takes 4.5 bits a linear weight.
            #expect(Double(bytes) < Double(floatBytes) * (storage.dtype == .nf4 ? 0.35 : 0.51), "\(storage): \(bytes) of \(floatBytes) bytes")
        }
        let nf4 = try Self.trainedAdapter("base_dtype: nf4")
        let bf16 = try Self.trainedAdapter("base_dtype: bfloat16")
        let float = try Self.trainedAdapter("")
        for (name, values) in float {
            #expect(nf4[name]?.allSatisfy(\.isFinite) == true && bf16[name]?.allSatisfy(\.isFinite) == true)
            #expect(nf4[name] != values, "\(name): an nf4 base should train differently from float32")
        }
    }

    @Test func badStorageKeysAreRefusedWithTheReason() throws {
        let output = URL(fileURLWithPath: "/tmp/unused")
        #expect(throws: RecipeError.self) { try Self.recipe("base_dtype: int3", output: output) }
        let noAdapter = #expect(throws: RecipeError.self) {
            try Recipe(yaml: "model: m\ndata: d\noutput_dir: o\nmax_steps: 1\nbase_dtype: nf4", source: "r.yaml")
        }
        #expect(noAdapter?.description.contains("give an adapter") == true)
        let double = #expect(throws: RecipeError.self) { try Self.recipe("base_dtype: bfloat16\ndouble_quant: true", output: output) }
        #expect(double?.description.contains("needs base_dtype: nf4") == true)
    }
}
