import FixtureSupport
import Foundation
import Models
import Testing

/// Training with `layer_replication` through `lorakit train`, as a user runs it: a recipe whose
/// adapter expands `lora_llama_layer_replication`'s base, and whose saved adapter has PEFT's keys
/// for the expanded stack and loads back through `lorakit forward`.
@Suite struct LayerReplicationTrainTests {
    @Test func aRecipeWithLayerReplicationTrainsAndSavesPEFTsKeys() throws {
        let fixture = try FixtureCase("lora_llama_layer_replication")
        let scratch = try ScratchFolder()
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.directory.appendingPathComponent("adapter").appendingPathComponent("adapter_config.json"))) as! [String: Any]
        let ranges = try #require(config["layer_replication"] as? [[Int]])
        let targets = try #require(config["target_modules"] as? [String])
        let output = scratch.url.appendingPathComponent("out"), recipe = scratch.url.appendingPathComponent("recipe.yaml")
        try """
            model: \(fixture.directory.appendingPathComponent("base").path)
            adapter:
              peft_type: LORA
              r: \(config["r"] as! Int)
              target_modules: [\(targets.joined(separator: ", "))]
              layer_replication: [\(ranges.map { "[\($0[0]), \($0[1])]" }.joined(separator: ", "))]
            data: \(fixture.directory.appendingPathComponent("inputs.safetensors").path)
            output_dir: \(output.path)
            max_steps: 3
            batch_size: \(try fixture.input().batch)
            lr: 0.01
            eval_split: 0
            """.write(to: recipe, atomically: true, encoding: .utf8)
        let trained = try LorakitBinary.run(["train", recipe.path], in: scratch.url)
        #expect(trained.status == 0, "\(trained.error)")
        let saved = try SafeTensorsFile(contentsOf: output.appendingPathComponent("adapter_model.safetensors"))
        #expect(saved.names.sorted() == (try fixture.expectedJSON["adapter_keys"] as? [String])?.sorted())
        // Every copy's adapter trained on its own: the copies of one layer end up different.
        #expect(try saved.tensor(named: "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight").scalars
            != saved.tensor(named: "base_model.model.model.layers.2.self_attn.q_proj.lora_B.weight").scalars)
        let savedConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        #expect(savedConfig["layer_replication"] as? [[Int]] == ranges)
        let logits = try LorakitBinary.forward(fixture, model: fixture.directory.appendingPathComponent("base"), ["--adapter", output.path], scratch: scratch)
        #expect(try fixture.mismatch(logits.tensor(named: "logits"), expectedName: "logits_base") != nil, "the trained adapter changes nothing")
    }
}
