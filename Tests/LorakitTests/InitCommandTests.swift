import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `lorakit init` and `lorakit convert` as a user runs them, checked against the init and
/// conversion fixtures through `lorakit forward`.
@Suite struct InitCommandTests {
    /// `lorakit forward` of the case's inputs; the logits it wrote.
    static func logits(_ fixture: FixtureCase, model: URL, adapter: URL, scratch: ScratchFolder) throws -> Tensor {
        try LorakitBinary.forward(fixture, model: model, ["--adapter", adapter.path], scratch: scratch).tensor(named: "logits")
    }

    @Test(arguments: ["init_pissa_llama", "init_olora_llama"])
    func initWritesTheResidualBaseAndAnAdapterThatReproducesTheModel(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let base = fixture.directory.appendingPathComponent("base"), adapter = fixture.directory.appendingPathComponent("adapter")
        let out = scratch.url.appendingPathComponent("init")
        let result = try LorakitBinary.run(["init", "--model", base.path, "--config", adapter.appendingPathComponent("adapter_config.json").path, "--out", out.path])
        #expect(result.status == 0, "\(name): \(result.error)")
        // The init's own time, in the line scripts/bench-init-peft.py prints for PEFT's.
        let method = try #require((fixture.caseInfo["peft_config"] as? [String: Any])?["init_lora_weights"] as? String)
        #expect(result.output.split(separator: "\n").contains { $0.hasPrefix("\(method) init ") && $0.hasSuffix(" s") }, "\(result.output)")
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("base/model.safetensors"))
        let residuals = try fixture.expected.names.filter { $0.hasPrefix("residual.") }
        #expect(!residuals.isEmpty)
        for tensor in residuals {
            #expect(try fixture.mismatch(written.tensor(named: String(tensor.dropFirst("residual.".count))), expectedName: tensor) == nil)
        }
        let config = try String(contentsOf: out.appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
        #expect(config.contains("\"init_lora_weights\": true"), "\(config)")
        let onResidual = try Self.logits(fixture, model: out.appendingPathComponent("base"), adapter: out.appendingPathComponent("adapter"), scratch: scratch)
        #expect(try fixture.mismatch(onResidual, expectedName: "logits_adapted") == nil)
        // PEFT's own saved adapter names the init: loading it re-runs the init on the original base.
        #expect(try fixture.mismatch(Self.logits(fixture, model: base, adapter: adapter, scratch: scratch), expectedName: "logits_adapted") == nil)
        let again = try LorakitBinary.run(["init", "--model", base.path, "--config", adapter.appendingPathComponent("adapter_config.json").path, "--out", out.path])
        #expect(again.status != 0 && again.error.contains("already exists"), "\(again.error)")
    }

    @Test(arguments: ["convert_pissa_llama", "convert_olora_llama"])
    func convertGivesARank2rLoraForTheOriginalBase(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let out = scratch.url.appendingPathComponent("converted")
        let result = try LorakitBinary.run(["convert", "--initial", fixture.directory.appendingPathComponent("adapter_init").path,
                                            "--trained", fixture.directory.appendingPathComponent("adapter").path, "--out", out.path])
        #expect(result.status == 0, "\(name): \(result.error)")
        let json = try fixture.expectedJSON
        let keys = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter_model.safetensors")).names.sorted()
        #expect(keys == (json["adapter_converted_keys"] as? [String])?.sorted())
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as? [String: Any]
        let expected = try #require(json["converted_config"] as? [String: Any])
        for key in ["r", "lora_alpha"] { #expect((config?[key] as? NSNumber)?.doubleValue == (expected[key] as? NSNumber)?.doubleValue, "\(key)") }
        #expect(config?["init_lora_weights"] as? Bool == true)
        let logits = try Self.logits(fixture, model: fixture.directory.appendingPathComponent("base"), adapter: out, scratch: scratch)
        #expect(try fixture.mismatch(logits, expectedName: "logits_converted") == nil)
    }
}

/// `lorakit init --data` with EVA and CorDA as a user runs it: the case's own config and
/// calibration file, the result checked through `lorakit forward` and trained with `lorakit train`.
@Suite struct DataDrivenInitCommandTests {
    /// Writes the case's `peft_config` as an adapter_config.json and runs `lorakit init` on its base
    /// and calibration data; returns the output folder.
    static func initialize(_ fixture: FixtureCase, scratch: ScratchFolder, extra: [String] = []) throws -> (out: URL, result: LorakitBinary.Result) {
        let config = scratch.url.appendingPathComponent("config-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: fixture.caseInfo["peft_config"]!).write(to: config)
        let out = scratch.url.appendingPathComponent("init-\(UUID().uuidString)")
        let result = try LorakitBinary.run(["init", "--model", fixture.directory.appendingPathComponent("base").path, "--config", config.path,
                                            "--out", out.path] + extra)
        return (out, result)
    }

    static func calibration(_ fixture: FixtureCase) -> [String] {
        ["--data", fixture.directory.appendingPathComponent("calibration.safetensors").path]
    }

    /// Two steps of `lorakit train` from `adapter` on `model`; the run's output folder.
    static func train(_ fixture: FixtureCase, model: URL, adapter: URL, scratch: ScratchFolder) throws -> URL {
        let output = scratch.url.appendingPathComponent("run-\(UUID().uuidString)")
        let recipe = scratch.url.appendingPathComponent("recipe-\(UUID().uuidString).yaml")
        try """
            model: \(model.path)
            adapter: \(adapter.path)
            data: \(fixture.directory.appendingPathComponent("inputs.safetensors").path)
            output_dir: \(output.path)
            max_steps: 2
            batch_size: \(try fixture.input().batch)
            lr: 0.01
            warmup: 0
            shuffle: false
            """.write(to: recipe, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["train", recipe.path], in: scratch.url)
        #expect(result.status == 0, "\(fixture.name): lorakit train failed: \(result.error)")
        let steps = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["event"] as? String == "step" }
        #expect(steps.count == 2 && steps.allSatisfy { ($0["loss"] as? Double)?.isFinite == true }, "\(steps)")
        return output
    }

    @Test func evaInitReproducesPeftsRanksAndComponentsAndTrains() throws {
        let fixture = try FixtureCase("init_eva_llama"), scratch = try ScratchFolder()
        let (out, result) = try Self.initialize(fixture, scratch: scratch, extra: Self.calibration(fixture))
        #expect(result.status == 0, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("base").path), "EVA leaves the base unchanged")
        let eva = try #require(try fixture.expectedJSON["eva"] as? [String: Any])
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter/adapter_config.json"))) as? [String: Any])
        #expect(config["init_lora_weights"] as? String == "eva")
        #expect(config["rank_pattern"] as? [String: Int] == eva["saved_rank_pattern"] as? [String: Int])
        #expect(config["alpha_pattern"] as? [String: Double] == eva["saved_alpha_pattern"] as? [String: Double])
        #expect(config["target_modules"] as? [String] == eva["saved_target_modules"] as? [String])
        let weights = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter/adapter_model.safetensors"))
        for module in try fixture.expected.names.filter({ $0.hasPrefix("projector.") }).map({ String($0.dropFirst("projector.".count)) }) {
            let a = try weights.tensor(named: "base_model.model.\(module).lora_A.weight")
            #expect(try fixture.mismatch(a.matmul(a, transposeSelf: true), expectedName: "projector.\(module)") == nil)
        }
        let base = fixture.directory.appendingPathComponent("base")
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: base, adapter: out.appendingPathComponent("adapter"), scratch: scratch),
                                     expectedName: "logits_adapted") == nil)
        _ = try Self.train(fixture, model: base, adapter: out.appendingPathComponent("adapter"), scratch: scratch)
    }

    @Test(arguments: ["init_corda_llama_ipm", "init_corda_llama_kpm"])
    func cordaInitWritesTheResidualBaseTrainsAndConverts(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let (out, result) = try Self.initialize(fixture, scratch: scratch, extra: Self.calibration(fixture))
        #expect(result.status == 0, "\(result.error)")
        let written = try SafeTensorsFile(contentsOf: out.appendingPathComponent("base/model.safetensors"))
        let residuals = try fixture.expected.names.filter { $0.hasPrefix("residual.") }
        #expect(!residuals.isEmpty)
        for tensor in residuals {
            #expect(try fixture.mismatch(written.tensor(named: String(tensor.dropFirst("residual.".count))), expectedName: tensor) == nil)
        }
        let adapter = out.appendingPathComponent("adapter"), residualBase = out.appendingPathComponent("base")
        let config = try String(contentsOf: adapter.appendingPathComponent("adapter_config.json"), encoding: .utf8)
        #expect(config.contains("\"init_lora_weights\": true") && config.contains("\"corda_method\""), "\(config)")
        #expect(try fixture.mismatch(InitCommandTests.logits(fixture, model: residualBase, adapter: adapter, scratch: scratch), expectedName: "logits_adapted") == nil)
        // Trained on the residual base, then converted to a rank-2r LoRA for the original base.
        let trained = try Self.train(fixture, model: residualBase, adapter: adapter, scratch: scratch)
        let converted = scratch.url.appendingPathComponent("converted")
        let conversion = try LorakitBinary.run(["convert", "--initial", adapter.path, "--trained", trained.path, "--out", converted.path])
        #expect(conversion.status == 0, "\(conversion.error)")
        let onResidual = try InitCommandTests.logits(fixture, model: residualBase, adapter: trained, scratch: scratch)
        let onOriginal = try InitCommandTests.logits(fixture, model: fixture.directory.appendingPathComponent("base"), adapter: converted, scratch: scratch)
        #expect(zip(onResidual.scalars, onOriginal.scalars).allSatisfy { abs($0 - $1) <= 1e-4 + 1e-4 * abs($1) })
    }

    @Test func badCalibrationUseIsRefusedWithAMessage() throws {
        let eva = try FixtureCase("init_eva_llama"), corda = try FixtureCase("init_corda_llama_ipm"), scratch = try ScratchFolder()
        let none = try Self.initialize(eva, scratch: scratch).result
        #expect(none.status != 0 && none.error.contains("--data"), "\(none.error)")
        let batched = try Self.initialize(corda, scratch: scratch, extra: Self.calibration(corda) + ["--batch-size", "4"]).result
        #expect(batched.status != 0 && batched.error.contains("--batch-size 1"), "\(batched.error)")
        let zero = try Self.initialize(eva, scratch: scratch, extra: Self.calibration(eva) + ["--max-batches", "0"]).result
        #expect(zero.status != 0 && zero.error.contains("--max-batches"), "\(zero.error)")
        let unused = try LorakitBinary.run(["init", "--model", "builtin:tiny-llama", "--config",
                                            FixtureCase("init_pissa_llama").directory.appendingPathComponent("adapter/adapter_config.json").path,
                                            "--out", scratch.url.appendingPathComponent("pissa").path] + Self.calibration(eva))
        #expect(unused.status != 0 && unused.error.contains("only used by init_lora_weights eva, corda"), "\(unused.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).allSatisfy { !$0.hasPrefix("init-") && !$0.hasPrefix(".init-") },
                "nothing half-written")
    }
}
