import Foundation
import Models
import Tensors
import Testing

/// transformers' own outputs for the tiny GPT-2, LLaMA and BERT fixtures: logits and every hidden state.
@Suite struct BaseModelParityTests {
    @Test(arguments: ["base_gpt2", "base_llama", "base_bert"])
    func logitsAndHiddenStatesMatchTransformers(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let (model, report) = try ModelLoader.load(directory: fixture.directory.appendingPathComponent("base"))
        #expect(report.unexpected.isEmpty && report.initializedHeads.isEmpty)
        let output = try GradMode.withoutGradients { try model.forward(fixture.input(), cache: nil, collectHiddenStates: true) }
        let expected = try fixture.expected
        fixture.expectClose(try #require(output.logits), try expected.tensor(named: "logits"), "logits")
        let hiddenNames = expected.names.filter { $0.hasPrefix("hidden_states.") }
        #expect(hiddenNames.count == output.hiddenStates.count)
        for (i, state) in output.hiddenStates.enumerated() {
            fixture.expectClose(state, try expected.tensor(named: "hidden_states.\(i)"), "hidden_states.\(i)")
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
        let expected = try fixture.expected
        fixture.expectClose(output.lastHiddenState, try expected.tensor(named: "last_hidden_state_base"), "last_hidden_state")
        // Attention-masked mean over tokens, as sentence-transformers pools.
        let mask = Tensor(shape: [input.batch, input.length, 1], data: input.attentionMask!.map(Float.init))
        let pooled = try (output.lastHiddenState * mask).sum(axis: 1) / mask.sum(axis: 1)
        fixture.expectClose(pooled, try expected.tensor(named: "mean_pooled_base"), "mean_pooled")
    }
}
