import FixtureSupport
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
        #expect(try fixture.mismatch(#require(output.logits), expectedName: "logits") == nil)
        let hiddenNames = try fixture.expected.names.filter { $0.hasPrefix("hidden_states.") }
        #expect(hiddenNames.count == output.hiddenStates.count)
        for (i, state) in output.hiddenStates.enumerated() {
            #expect(try fixture.mismatch(state, expectedName: "hidden_states.\(i)") == nil)
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
