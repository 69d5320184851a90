import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// transformers' own outputs for the tiny base-model fixtures: logits and every hidden state.
@Suite struct BaseModelParityTests {
    static let rotaryCases = ["base_qwen2", "base_qwen3", "base_mistral", "base_gemma3", "base_phi3",
                              "base_llama_rope_llama3", "base_llama_rope_yarn", "base_llama_rope_linear"]

    @Test(arguments: ["base_gpt2", "base_llama", "base_bert"] + rotaryCases)
    func logitsAndHiddenStatesMatchTransformers(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let (model, report) = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base"))
        #expect(report.unexpected.isEmpty && report.initializedHeads.isEmpty)
        let output = try GradMode.withoutGradients { try model.forward(fixture.input(), cache: nil, collectHiddenStates: true) }
        #expect(try fixture.mismatch(#require(output.logits), expectedName: "logits") == nil)
        let hiddenNames = try fixture.expected.names.filter { $0.hasPrefix("hidden_states.") }
        #expect(hiddenNames.count == output.hiddenStates.count)
        for (i, state) in output.hiddenStates.enumerated() {
            #expect(try fixture.mismatch(state, expectedName: "hidden_states.\(i)") == nil)
        }
    }
}

/// The rotary frequencies and cos/sin scaling transformers computed for each layer type
/// (`expected.json`'s `rotary`), from the config alone.
@Suite struct RotaryConfigParityTests {
    @Test(arguments: BaseModelParityTests.rotaryCases)
    func inverseFrequenciesAndScalingMatchTransformers(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let config = try ConfigReader(contentsOf: fixture.directory.appendingPathComponent("base/config.json"))
        let model = try #require(try ModelLoader.build(config: config, factory: ParameterFactory(.meta)) as? DecoderModel)
        let rotary = try #require(try fixture.expectedJSON["rotary"] as? [String: [String: Any]])
        for (layerType, expected) in rotary {
            let parameters = try #require(layerType == "all_layers" ? model.config.rotary.values.first : model.config.rotary[layerType])
            let (inverse, scaling) = try parameters.frequencies(sequenceLength: 1)
            let wanted = try #require(expected["inv_freq"] as? [Double]).map(Float.init)
            #expect(inverse.count == wanted.count)
            for (a, e) in zip(inverse, wanted) { #expect(abs(a - e) <= 1e-6 * max(1, abs(e)), "\(name) \(layerType): \(inverse) vs \(wanted)") }
            #expect(abs(Double(scaling) - (expected["attention_scaling"] as? Double ?? .nan)) < 1e-6)
        }
    }
}

/// The real all-MiniLM-L6-v2 (weights nobody here made), from `shared/models` beside the repository.
@Suite struct MiniLMParityTests {
    /// `shared/models/all-MiniLM-L6-v2`, as CI and developers have it beside the clone.
    static let modelDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/models/all-MiniLM-L6-v2")

    @Test func hiddenStatesAndMeanPoolingMatchTransformers() throws {
        try #require(FileManager.default.fileExists(atPath: Self.modelDirectory.appendingPathComponent("model.safetensors").path),
                     "all-MiniLM-L6-v2 must be at \(Self.modelDirectory.path) (the shared/ folder beside the repository)")
        let fixture = try FixtureCase("minilm_lora_qv")
        let (model, report) = try ModelLoader.load(directory: Self.modelDirectory)
        #expect(model.architecture == "BertModel")
        #expect(report.unexpected.isEmpty)
        let input = try fixture.input()
        let output = try GradMode.withoutGradients { try model.forward(input) }
        #expect(try fixture.mismatch(output.lastHiddenState, expectedName: "last_hidden_state_base") == nil)
        // Attention-masked mean over tokens, as sentence-transformers pools.
        let mask = Tensor(shape: [input.batch, input.length, 1], data: input.attentionMask!.map(Float.init))
        let pooled = try (output.lastHiddenState * mask).sum(axis: 1) / mask.sum(axis: 1)
        #expect(try fixture.mismatch(pooled, expectedName: "mean_pooled_base") == nil)
    }
}
