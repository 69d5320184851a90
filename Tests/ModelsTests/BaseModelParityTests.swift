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
