import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
import Tuners

/// PEFT's `layer_replication` (`lora_llama_layer_replication`, layers `[0, 1, 1]`): the expanded
/// module tree and counts, copies that share their base weights but not their adapters, a KV cache
/// slot per copy, gradients per copy, and PEFT's refusals.
@Suite struct LayerReplicationTests {
    static let name = "lora_llama_layer_replication"

    /// The module names PEFT lists (`expected.json`'s `module_tree`: PEFT's own sub-modules left out).
    static func treeNames(_ model: any PretrainedModel) -> [String] {
        let own = ["lora_A", "lora_B", "lora_dropout", "base_layer", "lora_embedding_A", "lora_embedding_B", "lora_magnitude_vector"]
        return model.namedModules().map(\.name).filter { name in
            !name.isEmpty && !name.split(separator: ".").contains { own.contains(String($0)) }
        }
    }

    @Test func theExpandedTreeAndCountsArePEFTs() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try fixture.loadAdapted()
        let expected = try fixture.expectedJSON
        #expect(Self.treeNames(peft.model).sorted() == expected["module_tree"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(expected["trainable_parameters"]))
        let replicating = try #require(peft.model as? any LayerReplicating)
        #expect(replicating.layerSources == expected["layer_map"] as? [Int])
        #expect(peft.adapterLayers.map(\.name).sorted() == (expected["wrapped_modules"] as? [String])?.sorted())
    }

    @Test func copiesShareTheirBaseWeightsButNotTheirAdapters() throws {
        let peft = try FixtureCase(Self.name).loadAdapted()
        func parameter(_ name: String) throws -> Parameter {
            try #require(peft.model.module(at: name)?.namedParameters().first { $0.name == "weight" || $0.name == "base_layer.weight" }?.parameter, "\(name)")
        }
        for module in ["self_attn.k_proj", "self_attn.q_proj", "mlp.down_proj", "input_layernorm"] {
            #expect(try parameter("model.layers.1.\(module)") === parameter("model.layers.2.\(module)"), "\(module)")
            #expect(try parameter("model.layers.0.\(module)") !== parameter("model.layers.1.\(module)"), "\(module)")
        }
        #expect(try parameter("model.layers.1.self_attn.q_proj.lora_A.default") !== parameter("model.layers.2.self_attn.q_proj.lora_A.default"))
    }

    /// The pristine base gives `logits_original`; the expanded stack with adapters disabled `logits_base`.
    @Test func theOriginalAndTheExpandedBase() throws {
        let fixture = try FixtureCase(Self.name)
        let original = try GradMode.withoutGradients { try fixture.loadBase().forward(fixture.input()).logits! }
        #expect(try fixture.mismatch(original, expectedName: "logits_original") == nil)
        let peft = try fixture.loadAdapted()
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: "logits_base") == nil)
    }

    /// Each copy caches its own keys and values: decoding piece by piece with a cache gives the
    /// full forward's logits (copies sharing a slot would see each other's keys).
    @Test func eachCopyHasItsOwnCacheSlot() throws {
        let peft = try FixtureCase(Self.name).loadAdapted()
        let ids = [5, 17, 99, 3, 42, 8]
        try GradMode.withoutGradients {
            let full = try #require(peft.model.forward(ModelInput(ids: ids, batch: 1, length: ids.count)).logits)
            let cache = KVCache()
            var pieces: [Tensor] = []
            for chunk in [[5, 17, 99], [3], [42, 8]] {
                pieces.append(try #require(peft.model.forward(ModelInput(ids: chunk, batch: 1, length: chunk.count), cache: cache, collectHiddenStates: false).logits))
            }
            let worst = zip(try Tensor.concat(pieces, axis: 1).scalars, full.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5)
        }
    }

    /// Training: only the adapters train, each copy's adapter gets its own gradient, and that
    /// gradient is the loss's derivative (checked against a central difference).
    @Test func eachCopysAdapterGetsItsOwnGradient() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try fixture.loadAdapted()
        let input = try fixture.input()
        #expect(peft.trainableParameters.allSatisfy { $0.name.contains(".lora_") })
        var generator = RandomGenerator(seed: 7)
        let weights = Tensor.normal([input.batch, input.length, peft.model.vocabularySize], std: 1, generator: &generator)
        func loss() throws -> Tensor { try (#require(peft.forward(input).logits) * weights).sum() }
        try loss().backward()
        func adapterB(_ layer: Int) throws -> Tensor {
            try #require(peft.trainableParameters.first { $0.name.contains("layers.\(layer).self_attn.q_proj.lora_B") }).parameter.value()
        }
        let (first, second) = (try #require(adapterB(1).grad).scalars, try #require(adapterB(2).grad).scalars)
        #expect(first.contains { $0 != 0 } && second.contains { $0 != 0 } && first != second)
        for (layer, analytic) in [(1, first), (2, second)] {
            let b = try adapterB(layer), index = analytic.indices.max { abs(analytic[$0]) < abs(analytic[$1]) }!, step: Float = 1e-2
            let original = b.scalars[index]
            func shifted(_ delta: Float) throws -> Float {
                b.withUnsafeMutableBufferPointer { $0[index] = original + delta }
                return try GradMode.withoutGradients { try loss().scalars[0] }
            }
            let numeric = try (shifted(step) - shifted(-step)) / (2 * step)
            b.withUnsafeMutableBufferPointer { $0[index] = original }
            #expect(abs(numeric - analytic[index]) <= 2e-2 * abs(analytic[index]) + 1e-2, "layer \(layer): \(numeric) vs \(analytic[index])")
        }
    }

    @Test func whatPEFTRefusesIsRefusedWithWhatToDo() throws {
        let fixture = try FixtureCase(Self.name)
        func refusal(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        let config = try LoraConfig(jsonData: Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName)), source: "adapter_config.json")
        let gpt2 = try ModelLoader.load(directory: FixtureCase("lora_gpt2_c_attn").folder("base")).model
        var onGPT2 = config
        onGPT2.targeting.targetModules = .names(["c_attn"])
        #expect(refusal { _ = try PeftModel(model: gpt2, config: onGPT2) }.contains("Could not locate the layers attribute in the model"))
        var tooFar = config
        tooFar.layerReplication = LayerReplication(ranges: [.init(start: 0, end: 3)])
        #expect(refusal { _ = try PeftModel(model: fixture.loadBase(), config: tooFar) }.contains("reaches past the model's 2 layers"))
        // Layers that already hold an adapter are not copied; the model is left as it was.
        let peft = try fixture.loadAdapted()
        let message = refusal { try peft.addAdapter("second", config: config) }
        #expect(message.contains("layer_replication") && message.contains("before any adapter"), "\(message)")
        #expect((peft.model as? any LayerReplicating)?.layerSources == [0, 1, 1])
    }
}
