import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `lorakit init` and `lorakit convert` as a user runs them, checked against the init and
/// conversion fixtures through `lorakit forward`.
@Suite struct InitCommandTests {
    typealias Scratch = ForwardFixtureTests.Scratch

    /// `lorakit forward` of the case's inputs; the logits it wrote.
    static func logits(_ fixture: FixtureCase, model: URL, adapter: URL, scratch: Scratch) throws -> Tensor {
        let out = scratch.url.appendingPathComponent("out-\(UUID().uuidString).safetensors")
        let result = try LorakitBinary.run(["forward", "--model", model.path, "--adapter", adapter.path, "--inputs",
                                            fixture.directory.appendingPathComponent("inputs.safetensors").path, "--out", out.path])
        #expect(result.status == 0, "\(fixture.name): \(result.error)")
        return try SafeTensorsFile(contentsOf: out).tensor(named: "logits")
    }

    @Test(arguments: ["init_pissa_llama", "init_olora_llama"])
    func initWritesTheResidualBaseAndAnAdapterThatReproducesTheModel(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try Scratch()
        let base = fixture.directory.appendingPathComponent("base"), adapter = fixture.directory.appendingPathComponent("adapter")
        let out = scratch.url.appendingPathComponent("init")
        let result = try LorakitBinary.run(["init", "--model", base.path, "--config", adapter.appendingPathComponent("adapter_config.json").path, "--out", out.path])
        #expect(result.status == 0, "\(name): \(result.error)")
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
        let fixture = try FixtureCase(name), scratch = try Scratch()
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
