import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `lorakit init --data` with `init_lora_weights: "lora_ga"` as a user runs it, against the
/// `init_loraga_*` cases: PEFT's saved config and calibration file in, the residual base and the
/// adapter out (compared in the canonical-sign forms), reproducing the model, training, and
/// `lorakit convert` of PEFT's trained adapter for the original base.
@Suite struct LoraGAInitCommandTests {
    static let cases = ["init_loraga_llama", "init_loraga_arbr_llama", "init_loraga_a2rbr_llama"]

    /// `lorakit init` on the case's base with `config` and `extra` arguments; the output folder.
    static func initialize(_ fixture: FixtureCase, config: URL, extra: [String], scratch: ScratchFolder) throws -> (out: URL, result: LorakitBinary.Result) {
        let out = scratch.url.appendingPathComponent("init-\(UUID().uuidString)")
        let result = try LorakitBinary.run(["init", "--model", fixture.directory.appendingPathComponent("base").path, "--config", config.path,
                                            "--out", out.path] + extra)
        return (out, result)
    }

    static func calibration(_ fixture: FixtureCase) -> [String] {
        ["--data", fixture.directory.appendingPathComponent("calibration.safetensors").path]
    }

    @Test(arguments: cases)
    func initWritesTheCanonicalResidualAndAdapterThatReproduceTheModel(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let config = fixture.directory.appendingPathComponent("adapter/adapter_config.json")
        let (out, result) = try Self.initialize(fixture, config: config, extra: Self.calibration(fixture), scratch: scratch)
        #expect(result.status == 0, "\(name): \(result.error)")
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("base/model.safetensors"))
        let tensors = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter/adapter_model.safetensors"))
        let modules = try fixture.expected.names.filter { $0.hasPrefix("lora_A_canonical.") }.map { String($0.dropFirst("lora_A_canonical.".count)) }
        #expect(!modules.isEmpty)
        for module in modules {
            let key = "base_model.model.\(module)"
            #expect(try fixture.mismatch(tensors.tensor(named: "\(key).lora_A.weight"), expectedName: "lora_A_canonical.\(module)") == nil)
            #expect(try fixture.mismatch(tensors.tensor(named: "\(key).lora_B.weight"), expectedName: "lora_B_canonical.\(module)") == nil)
            #expect(try fixture.mismatch(written.tensor(named: "\(module).weight"), expectedName: "residual_canonical.\(module).weight") == nil)
        }
        let keys = try #require(try fixture.expectedJSON["adapter_keys"] as? [String])
        #expect(tensors.names.sorted() == keys.sorted())
        let saved = try String(contentsOf: out.appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
        #expect(saved.contains("\"init_lora_weights\": true") && saved.contains("\"lora_ga_config\""), "\(saved)")
        let residualBase = out.appendingPathComponent("base"), adapter = out.appendingPathComponent("adapter")
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: residualBase, adapter: adapter, scratch: scratch), expectedName: "logits_adapted") == nil)
        // PEFT's own pair (its residual with its signs) is plain LoRA on the original base as PEFT loads it.
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: fixture.directory.appendingPathComponent("base"),
                                                             adapter: fixture.directory.appendingPathComponent("adapter"), scratch: scratch),
                                     expectedName: "logits_from_pretrained") == nil)
        try LoftQInitCommandTests.trains(model: residualBase, adapter: adapter, data: fixture.directory.appendingPathComponent("inputs.safetensors"), scratch: scratch)
    }

    @Test(arguments: cases)
    func convertGivesTheRank2rLoraForTheOriginalBase(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let out = scratch.url.appendingPathComponent("converted")
        let result = try LorakitBinary.run(["convert", "--initial", fixture.directory.appendingPathComponent("adapter_init").path,
                                            "--trained", fixture.directory.appendingPathComponent("adapter_trained").path, "--out", out.path])
        #expect(result.status == 0, "\(name): \(result.error)")
        let keys = try #require(try fixture.expectedJSON["adapter_converted_keys"] as? [String])
        #expect(try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter_model.safetensors")).names.sorted() == keys.sorted())
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: fixture.directory.appendingPathComponent("base"), adapter: out, scratch: scratch),
                                     expectedName: "logits_converted") == nil)
    }

    @Test(arguments: [
        (#""lora_ga_config": {"direction": "ArB2r"}"#, [String](), "--data"),
        (#""lora_ga_config": null"#, ["calibration"], "lora_ga_config=LoraGAConfig"),
        (#""lora_ga_config": {"direction": "BrAr"}"#, ["calibration"], "lora_ga_config.direction"),
        (#""lora_ga_config": {"scale": "big"}"#, ["calibration"], "lora_ga_config.scale"),
        (#""lora_ga_config": {"stable_gamma": 0}"#, ["calibration"], "stable_gamma"),
        (#""lora_ga_config": {"gamma": 16}"#, ["calibration"], "has no field \"gamma\""),
        (#""r": 20, "lora_ga_config": {}"#, ["calibration"], "lower r"),
    ])
    func badConfigsAreRefusedWithTheirReason(_ fields: String, _ extra: [String], _ reason: String) throws {
        let fixture = try FixtureCase(Self.cases[0]), scratch = try ScratchFolder()
        let config = scratch.url.appendingPathComponent("adapter_config.json")
        try #"{"peft_type": "LORA", "task_type": "CAUSAL_LM", "target_modules": ["q_proj"], "init_lora_weights": "lora_ga", \#(fields)}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let (out, result) = try Self.initialize(fixture, config: config, extra: extra.isEmpty ? [] : Self.calibration(fixture), scratch: scratch)
        #expect(result.status != 0 && result.error.contains(reason), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
