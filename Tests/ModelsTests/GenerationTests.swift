import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// Generation with a KV cache against recomputing the whole prefix, and the sampling rules.
@Suite struct GenerationTests {
    func model(_ name: String) throws -> any PretrainedModel {
        try ModelLoader.load(directory: FixtureCase.root.appendingPathComponent("\(name)/base")).model
    }

    @Test(arguments: ["base_gpt2", "base_llama"] + BaseModelParityTests.rotaryCases)
    func cachedLogitsEqualFullRecomputation(_ name: String) throws {
        let model = try model(name)
        let ids = [5, 17, 99, 3, 42, 8]
        try GradMode.withoutGradients {
            let full = try model.forward(ModelInput(ids: ids, batch: 1, length: ids.count)).logits!
            let cache = KVCache()
            var pieces: [Tensor] = []
            for chunk in [[5, 17, 99], [3], [42, 8]] {
                pieces.append(try model.forward(ModelInput(ids: chunk, batch: 1, length: chunk.count), cache: cache, collectHiddenStates: false).logits!)
            }
            let stitched = try Tensor.concat(pieces, axis: 1)
            #expect(stitched.shape == full.shape)
            let worst = zip(stitched.scalars, full.scalars).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5)
        }
    }

    @Test func greedyGenerationMatchesArgmaxOfFullForwards() throws {
        let model = try model("base_llama")
        let prompt = [7, 21, 64]
        let generated = try TextGenerator(model: model).generate(prompt: prompt, options: SamplingOptions(maxNewTokens: 5))
        var sequence = prompt
        for _ in 0 ..< 5 {
            let logits = try GradMode.withoutGradients { try model.forward(ModelInput(ids: sequence, batch: 1, length: sequence.count)).logits! }
            let last = Array(logits.scalars.suffix(model.vocabularySize))
            sequence.append(last.indices.max { last[$0] < last[$1] }!)
        }
        #expect(generated == Array(sequence.dropFirst(prompt.count)))
    }

    @Test func samplingIsSeededAndTopKOneIsGreedy() throws {
        let generator = try TextGenerator(model: model("base_gpt2"))
        let sampled = SamplingOptions(maxNewTokens: 8, temperature: 1.5, topK: 50, topP: 0.9, seed: 11)
        #expect(try generator.generate(prompt: [1, 2], options: sampled) == generator.generate(prompt: [1, 2], options: sampled))
        let greedy = try generator.generate(prompt: [1, 2], options: SamplingOptions(maxNewTokens: 8))
        #expect(try generator.generate(prompt: [1, 2], options: SamplingOptions(maxNewTokens: 8, temperature: 0.7, topK: 1, seed: 3)) == greedy)
        #expect(throws: ModelError.self) { try generator.generate(prompt: [1], options: SamplingOptions(topP: 0)) }
        #expect(try generator.generate(prompt: [1, 2], options: SamplingOptions(maxNewTokens: 8, stopTokens: [greedy[1]])).count == 2)
    }

    @Test func causalLossShiftsLabelsAndSkipsIgnored() throws {
        var g = RandomGenerator(seed: 2)
        let logits = Tensor.normal([2, 3, 5], generator: &g)
        let labels = [1, 2, 3, 4, -100, 0]
        let loss = try logits.causalLMLoss(labels: labels)
        // Positions (0,0)->2, (0,1)->3, (1,0)->-100 skipped, (1,1)->0; last positions predict nothing.
        let manual = try logits.crossEntropy(targets: [2, 3, -100, -100, 0, -100])
        #expect(loss.item == manual.item)
    }
}
