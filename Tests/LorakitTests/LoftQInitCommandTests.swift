import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `lorakit init` with `init_lora_weights: "loftq"` as a user runs it, against `init_loftq_llama`:
/// the written base holds the NF4-quantised weights, the adapter the low-rank correction, and the
/// two reproduce PEFT's model; the result trains; bad `loftq_config`s are refused.
@Suite struct LoftQInitCommandTests {
    static let fixtureName = "init_loftq_llama"

    /// Runs `lorakit init` on the case's base with `config` (a path); returns the output folder.
    static func initialize(_ fixture: FixtureCase, config: URL, scratch: ScratchFolder) throws -> (out: URL, result: LorakitBinary.Result) {
        let out = scratch.url.appendingPathComponent("init-\(UUID().uuidString)")
        let result = try LorakitBinary.run(["init", "--model", fixture.directory.appendingPathComponent("base").path, "--config", config.path, "--out", out.path])
        return (out, result)
    }

    @Test func initWritesTheQuantizedBaseAndTheCorrection() throws {
        let fixture = try FixtureCase(Self.fixtureName), scratch = try ScratchFolder()
        let adapter = fixture.directory.appendingPathComponent("adapter")
        let (out, result) = try Self.initialize(fixture, config: adapter.appendingPathComponent("adapter_config.json"), scratch: scratch)
        #expect(result.status == 0, "\(result.error)")
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("base/model.safetensors"))
        let original = try SafeTensorsFile(contentsOf: fixture.directory.appendingPathComponent("base/model.safetensors"))
        let quantized = try fixture.expected.names.filter { $0.hasPrefix("quantized.") }
        #expect(!quantized.isEmpty)
        for name in quantized {
            #expect(try fixture.mismatch(written.tensor(named: String(name.dropFirst("quantized.".count))), expectedName: name) == nil)
        }
        // The weights LoftQ does not target are written unchanged.
        let targeted = Set(quantized.map { String($0.dropFirst("quantized.".count)) })
        for name in original.names where !targeted.contains(name) {
            #expect(try written.tensor(named: name).scalars == original.tensor(named: name).scalars, "\(name)")
        }
        let tensors = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter/adapter_model.safetensors"))
        let products = try fixture.expected.names.filter { $0.hasPrefix("ba.") }
        #expect(products.count == targeted.count)
        for name in products {
            let module = "base_model.model.\(name.dropFirst("ba.".count))"
            let (a, b) = (try tensors.tensor(named: "\(module).lora_A.weight"), try tensors.tensor(named: "\(module).lora_B.weight"))
            #expect(try fixture.mismatch(b.matmul(a), expectedName: name) == nil)
        }
        let config = try String(contentsOf: out.appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
        #expect(config.contains("\"init_lora_weights\": true"), "\(config)")
        let newBase = out.appendingPathComponent("base")
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: newBase, adapter: out.appendingPathComponent("adapter"), scratch: scratch),
                                     expectedName: "logits_adapted") == nil)
        #expect(try fixture.mismatch(LorakitBinary.forward(fixture, model: newBase, scratch: scratch).tensor(named: "logits"),
                                     expectedName: "logits_quantized") == nil)
        // PEFT's saved adapter names LoftQ: loading it onto the original base re-runs LoftQ first.
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: fixture.directory.appendingPathComponent("base"), adapter: adapter, scratch: scratch),
                                     expectedName: "logits_adapted") == nil)
        try Self.trains(model: newBase, adapter: out.appendingPathComponent("adapter"), data: fixture.directory.appendingPathComponent("inputs.safetensors"), scratch: scratch)
    }

    /// A two-step `lorakit train` continuing `adapter` on `model` finishes and writes its adapter.
    static func trains(model: URL, adapter: URL, data: URL, scratch: ScratchFolder) throws {
        let output = scratch.url.appendingPathComponent("trained")
        let recipe = scratch.url.appendingPathComponent("recipe.yaml")
        try """
        model: \(model.path)
        adapter: \(adapter.path)
        data: \(data.path)
        output_dir: \(output.path)
        max_steps: 2
        batch_size: 2
        lr: 1e-3
        """.write(to: recipe, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipe.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("adapter_model.safetensors").path), "\(result.output)")
    }

    @Test(arguments: [
        (#""loftq_config": {"loftq_bits": 3, "loftq_iter": 1}"#, "loftq_bits"),
        (#""loftq_config": {"loftq_bits": 2, "loftq_iter": 1}"#, "Only nf4 and int8"),
        (#""loftq_config": {"loftq_bits": 8, "loftq_iter": 1}"#, "LLM.int8"),
        (#""loftq_config": {"loftq_bits": 4, "loftq_iter": 0}"#, "greater than 0"),
        (#""loftq_config": {"loftq_bits": 4}"#, "loftq_iter"),
        (#""loftq_config": {}"#, "must be specified"),
        (#""r": 40, "loftq_config": {"loftq_bits": 4, "loftq_iter": 1}"#, "lower r"),
    ])
    func badConfigsAreRefusedWithTheirReason(_ fields: String, _ reason: String) throws {
        let fixture = try FixtureCase(Self.fixtureName), scratch = try ScratchFolder()
        let config = scratch.url.appendingPathComponent("adapter_config.json")
        try #"{"peft_type": "LORA", "task_type": "CAUSAL_LM", "target_modules": ["q_proj"], "init_lora_weights": "loftq", \#(fields)}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let (out, result) = try Self.initialize(fixture, config: config, scratch: scratch)
        #expect(result.status != 0 && result.error.contains(reason), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
