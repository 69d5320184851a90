import FixtureSupport
import Foundation
import Models
import Testing

/// The architecture fixtures through the binary, as a user runs them: `lorakit forward` (with
/// `--hidden-states`, `--adapter`, `--disable-adapters`, `--merged`), `lorakit merge` and
/// `lorakit info --meta` on a folder holding only `config.json`.
@Suite struct ForwardFixtureTests {
    static let baseCases = ["base_qwen2", "base_qwen3", "base_mistral", "base_gemma3", "base_phi3",
                            "base_llama_rope_llama3", "base_llama_rope_yarn", "base_llama_rope_linear"]
    static let loraCases = ["lora_qwen2_all_linear", "lora_qwen3_all_linear", "lora_mistral_all_linear",
                            "lora_gemma3_all_linear", "lora_phi3_all_linear",
                            "merge_loha_llama", "merge_lokr_llama",
                            // Made by scripts/make-dora-train-case.py: rows enough for DoRA's fused GEMMs in inference too.
                            "train_dora_llama_rows", "train_dora_gpt2_rows"]

    @Test(arguments: baseCases)
    func baseLogitsAndHiddenStates(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let written = try LorakitBinary.forward(fixture, model: fixture.directory.appendingPathComponent("base"), ["--hidden-states"], scratch: scratch)
        let expected = try fixture.expected.names
        #expect(expected.allSatisfy(written.names.contains), "\(name): wrote \(written.names)")
        for tensor in expected { #expect(try fixture.mismatch(written.tensor(named: tensor), expectedName: tensor) == nil) }
    }

    @Test(arguments: loraCases)
    func adaptedDisabledAndMergedLogitsAndTheMergedCheckpoint(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let base = fixture.directory.appendingPathComponent("base"), adapter = ["--adapter", fixture.directory.appendingPathComponent("adapter").path]
        for (flags, expected) in [([String](), "logits_adapted"), (["--disable-adapters"], "logits_base"), (["--merged"], "logits_merged")] {
            let written = try LorakitBinary.forward(fixture, model: base, adapter + flags, scratch: scratch)
            #expect(try fixture.mismatch(written.tensor(named: "logits"), expectedName: expected) == nil)
        }
        let merged = scratch.url.appendingPathComponent("merged")
        let result = try LorakitBinary.run(["merge", "--model", base.path] + adapter + ["--out", merged.path])
        #expect(result.status == 0, "\(name) merge: \(result.error)")
        let weights = try SafeTensorsFile(contentsOf: merged.appendingPathComponent("model.safetensors"))
        let mergedNames = try fixture.expected.names.filter { $0.hasPrefix("merged.") }
        #expect(!mergedNames.isEmpty)
        for tensor in mergedNames {
            #expect(try fixture.mismatch(weights.tensor(named: String(tensor.dropFirst("merged.".count))), expectedName: tensor) == nil)
        }
        let reloaded = try LorakitBinary.forward(fixture, model: merged, [], scratch: scratch)
        #expect(try fixture.mismatch(reloaded.tensor(named: "logits"), expectedName: "logits_merged") == nil)
    }

    @Test(arguments: baseCases)
    func infoMetaReadsTheConfigAlone(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        try FileManager.default.copyItem(at: fixture.directory.appendingPathComponent("base/config.json"),
                                         to: scratch.url.appendingPathComponent("config.json"))
        let result = try LorakitBinary.run(["info", scratch.url.path, "--meta"])
        #expect(result.status == 0, "\(name): \(result.error)")
        let count = try #require(try fixture.expectedJSON["num_parameters"] as? Int)
        let grouped = count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(result.output.contains("\(grouped) parameters (meta: no weights loaded)"), "\(name): \(result.output.suffix(200))")
    }

    @Test func anUnsupportedModelTypeIsRefusedWithTheSupportedOnes() throws {
        let scratch = try ScratchFolder()
        try Data(#"{"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]}"#.utf8)
            .write(to: scratch.url.appendingPathComponent("config.json"))
        let result = try LorakitBinary.run(["info", scratch.url.path, "--meta"])
        #expect(result.status != 0)
        #expect(result.error.contains("T5ForConditionalGeneration") && result.error.contains("Gemma3ForCausalLM") && result.error.contains("phi3"),
                "\(result.error)")
    }
}
