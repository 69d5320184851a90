import FixtureSupport
import Foundation
import Models
import Testing

/// The LoraConfig fields that change the model around the adapter (`target_parameters`,
/// `trainable_token_indices`, `layer_replication`), through the binary as a user runs it:
/// `lorakit forward` adapted, disabled and merged, `lorakit merge`, and a session that loads the
/// adapter and saves it again, which must give PEFT's files back (scripts/peft-reload-check.py has
/// PEFT load that re-saved adapter).
@Suite struct LoraModelFeatureFixtureTests {
    static let cases = ["lora_llama_target_parameters", "lora_llama_trainable_tokens", "lora_llama_layer_replication",
                        "lora_bert_layer_replication", "lora_gpt2_layer_replication"]

    @Test(arguments: cases)
    func adaptedDisabledAndMergedLogits(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let base = fixture.directory.appendingPathComponent("base"), adapter = ["--adapter", fixture.directory.appendingPathComponent("adapter").path]
        let output = fixture.outputName
        for (flags, expected) in [([String](), "adapted"), (["--disable-adapters"], "base"), (["--merged"], "merged")] {
            let written = try LorakitBinary.forward(fixture, model: base, adapter + flags, scratch: scratch)
            #expect(try fixture.mismatch(written.tensor(named: output), expectedName: "\(output)_\(expected)") == nil)
        }
    }

    /// `lorakit merge` writes a checkpoint whose merged weights are PEFT's `merge_and_unload` ones
    /// and that computes `logits_merged` on its own.
    @Test(arguments: cases)
    func theMergedCheckpoint(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let merged = scratch.url.appendingPathComponent("merged")
        let result = try LorakitBinary.run(["merge", "--model", fixture.directory.appendingPathComponent("base").path,
                                            "--adapter", fixture.directory.appendingPathComponent("adapter").path, "--out", merged.path])
        #expect(result.status == 0, "\(name) merge: \(result.error)")
        let weights = try SafeTensorsFile(contentsOf: merged.appendingPathComponent("model.safetensors"))
        for tensor in try fixture.expected.names where tensor.hasPrefix("merged.") {
            #expect(try fixture.mismatch(weights.tensor(named: String(tensor.dropFirst("merged.".count))), expectedName: tensor) == nil)
        }
        let reloaded = try LorakitBinary.forward(fixture, model: merged, [], scratch: scratch)
        #expect(try fixture.mismatch(reloaded.tensor(named: fixture.outputName), expectedName: "\(fixture.outputName)_merged") == nil)
    }

    /// Loading PEFT's adapter and saving it again gives PEFT's config and tensors back, and the load
    /// reports PEFT's trainable and total parameter counts.
    @Test(arguments: cases)
    func aResavedAdapterIsPEFTsOwn(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let original = fixture.directory.appendingPathComponent("adapter"), resaved = scratch.url.appendingPathComponent("resaved")
        let script = scratch.url.appendingPathComponent("resave.lks")
        try "load \(fixture.directory.appendingPathComponent("base").path)\nadapter load \(original.path)\nsave \(resaved.path)\n"
            .write(to: script, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["run", script.path], in: scratch.url)
        #expect(result.status == 0, "\(name): \(result.error)")
        let counts = try #require(try fixture.expectedJSON["trainable_parameters"] as? [String: Int])
        func grouped(_ n: Int) -> String { ModuleTree.grouped(n) }
        #expect(result.output.contains("trainable params: \(grouped(counts["trainable"]!)) || all params: \(grouped(counts["total"]!))"),
                "\(name): \(result.output)")
        // modules_to_save as a set: a SEQ_CLS adapter saved again lists the classifier names twice,
        // as PEFT's own from_pretrained + save_pretrained lists them.
        func config(_ folder: URL) throws -> NSDictionary {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as? [String: Any])
            if let names = object["modules_to_save"] as? [String] { object["modules_to_save"] = Set(names) }
            return object as NSDictionary
        }
        #expect(try config(resaved) == config(original))
        let saved = try SafeTensorsFile(contentsOf: resaved.appendingPathComponent("adapter_model.safetensors"))
        let peft = try SafeTensorsFile(contentsOf: original.appendingPathComponent("adapter_model.safetensors"))
        #expect(saved.names.sorted() == peft.names.sorted())
        for tensor in peft.names { #expect(try saved.tensor(named: tensor).scalars == peft.tensor(named: tensor).scalars, "\(name): \(tensor)") }
    }
}
