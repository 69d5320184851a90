import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
import Tuners

/// Gradient checkpointing covers BERT's encoder layers as it covers decoder blocks: each layer
/// recomputed in the backward pass (with its dropout masks drawn again) gives the same adapter.
@Suite struct BertCheckpointingTests {
    /// The adapter of `lora_bert_seq_cls` after three SGD steps on the squared logits, with its
    /// base's dropout turned on (a scratch copy of the base), checkpointed or not.
    static func adapterAfterThreeSteps(checkpointing: Bool) throws -> [String: [Float]] {
        let fixture = try FixtureCase("lora_bert_seq_cls")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.copyItem(at: fixture.folder("base"), to: base)
        let configFile = base.appendingPathComponent("config.json")
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: configFile)) as? [String: Any])
        config["hidden_dropout_prob"] = 0.1
        config["attention_probs_dropout_prob"] = 0.1
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        let peft = try PeftModel.fromPretrained(ModelLoader.load(directory: base).model, directory: fixture.folder("adapter"), isTrainable: true)
        peft.model.setTraining(true)
        let input = try fixture.input()
        for _ in 0 ..< 3 {
            for (_, parameter) in peft.trainableParameters { try parameter.value().zeroGrad() }
            let logits = try GradientCheckpointing.$isEnabled.withValue(checkpointing) {
                try #require(peft.forward(input).logits)
            }
            try (logits * logits).sum().backward()
            for (_, parameter) in peft.trainableParameters {
                let value = try parameter.value()
                let grad = try #require(value.grad).scalars
                value.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] -= 0.05 * grad[i] } }
            }
        }
        return Dictionary(uniqueKeysWithValues: try peft.trainableParameters.map { ($0.name, try $0.parameter.value().scalars) })
    }

    @Test func checkpointingGivesTheSameAdapterAfterThreeSteps() throws {
        let plain = try Self.adapterAfterThreeSteps(checkpointing: false)
        let checkpointed = try Self.adapterAfterThreeSteps(checkpointing: true)
        #expect(!plain.isEmpty && plain.keys.sorted() == checkpointed.keys.sorted())
        for (name, values) in plain { #expect(checkpointed[name] == values, "\(name) differs with checkpointing") }
    }
}
