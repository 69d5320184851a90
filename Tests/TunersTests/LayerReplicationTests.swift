import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
import Tuners

/// PEFT's `layer_replication` on the three layer lists `replicate_layers` finds: LLaMA's
/// `model.layers` (`lora_llama_layer_replication`), BERT's `bert.encoder.layer` and the bare
/// GPT-2's `h` (`lora_bert_layer_replication`, `lora_gpt2_layer_replication`, made by
/// scripts/make-replication-case.py): the expanded module tree and counts, copies that share their
/// base weights but not their adapters, a KV cache slot per copy, gradients per copy, a second
/// adapter, and PEFT's refusals.
@Suite struct LayerReplicationTests {
    static let cases = ["lora_llama_layer_replication", "lora_bert_layer_replication", "lora_gpt2_layer_replication"]
    static let decoderCases = ["lora_llama_layer_replication", "lora_gpt2_layer_replication"]

    /// The module names PEFT lists (`expected.json`'s `module_tree`: PEFT's own sub-modules left out).
    static func treeNames(_ model: any PretrainedModel) -> [String] {
        let own = ["lora_A", "lora_B", "lora_dropout", "base_layer", "lora_embedding_A", "lora_embedding_B", "lora_magnitude_vector",
                   "modules_to_save", "original_module"]
        return model.namedModules().map(\.name).filter { name in
            !name.isEmpty && !name.split(separator: ".").contains { own.contains(String($0)) }
        }
    }

    static func stack(_ peft: PeftModel) throws -> LayerStack {
        try #require((peft.model as? any LayerReplicating)?.layerStack)
    }

    @Test(arguments: cases)
    func theExpandedTreeAndCountsArePEFTs(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let expected = try fixture.expectedJSON
        #expect(Self.treeNames(peft.model).sorted() == expected["module_tree"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(expected["trainable_parameters"]))
        #expect(try Self.stack(peft).sources == expected["layer_map"] as? [Int])
        #expect(peft.adapterLayers.map(\.name).sorted() == (expected["wrapped_modules"] as? [String])?.sorted())
    }

    /// Two layers of the expanded stack hold the same base tensors exactly when they are copies of
    /// one checkpoint layer; their adapters are their own.
    @Test(arguments: cases)
    func copiesShareTheirBaseWeightsButNotTheirAdapters(_ name: String) throws {
        let peft = try FixtureCase(name).loadAdapted()
        let stack = try Self.stack(peft), list = try #require(peft.model.module(at: stack.name))
        func parameters(_ index: Int) throws -> (base: [ObjectIdentifier], adapter: [ObjectIdentifier]) {
            let all = try #require(list.child(String(index))).namedParameters()
            let adapter = all.filter { $0.name.contains(".lora_") }
            #expect(!adapter.isEmpty && adapter.count < all.count)
            return (all.filter { !$0.name.contains(".lora_") }.map { ObjectIdentifier($0.parameter) }, adapter.map { ObjectIdentifier($0.parameter) })
        }
        for first in stack.sources.indices {
            for second in stack.sources.indices where second > first {
                let (a, b) = (try parameters(first), try parameters(second))
                if stack.sources[first] == stack.sources[second] {
                    #expect(a.base == b.base, "\(name): layers \(first) and \(second) should share their base weights")
                } else {
                    #expect(Set(a.base).isDisjoint(with: b.base), "\(name): layers \(first) and \(second)")
                }
                #expect(Set(a.adapter).isDisjoint(with: b.adapter), "\(name): layers \(first) and \(second) share an adapter tensor")
            }
        }
    }

    /// The pristine base gives `*_original`; the expanded stack with adapters disabled `*_base`.
    @Test(arguments: cases)
    func theOriginalAndTheExpandedBase(_ name: String) throws {
        let fixture = try FixtureCase(name), output = fixture.outputName
        let original = try GradMode.withoutGradients { () throws -> Tensor in
            let result = try fixture.loadBase().forward(fixture.input())
            return result.logits ?? result.lastHiddenState
        }
        #expect(try fixture.mismatch(original, expectedName: "\(output)_original") == nil)
        let peft = try fixture.loadAdapted()
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: "\(output)_base") == nil)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "\(output)_adapted") == nil)
    }

    /// Each wrapped module of the expanded stack has PEFT's delta, and merging adds every copy's
    /// delta into the weight the copies share.
    @Test(arguments: cases)
    func mergingAddsEveryCopysDeltaIntoTheSharedWeight(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        for module in try fixture.expectedNames(withPrefix: "delta.") {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer, "\(module)")
            #expect(try fixture.mismatch(layer.deltaWeight(of: "default"), expectedName: "delta.\(module)") == nil)
        }
        let merged = try peft.mergeAndUnload()
        let output = try GradMode.withoutGradients { () throws -> Tensor in
            let result = try merged.forward(fixture.input())
            return result.logits ?? result.lastHiddenState
        }
        #expect(try fixture.mismatch(output, expectedName: "\(fixture.outputName)_merged") == nil)
        let weights = Dictionary(uniqueKeysWithValues: merged.namedModules().compactMap { name, module in
            module.parameter("weight").map { (name + ".weight", $0) }
        })
        for tensor in try fixture.expectedNames(withPrefix: "merged.") {
            let weight = try #require(weights[tensor], "\(tensor)")
            #expect(try fixture.mismatch(weight.value(), expectedName: "merged.\(tensor)") == nil)
        }
    }

    /// Each copy caches its own keys and values: decoding piece by piece with a cache gives the
    /// full forward's output (copies sharing a slot would see each other's keys).
    @Test(arguments: decoderCases)
    func eachCopyHasItsOwnCacheSlot(_ name: String) throws {
        let peft = try FixtureCase(name).loadAdapted()
        let ids = [5, 17, 99, 3, 42, 8]
        func main(_ output: ModelOutput) -> Tensor { output.logits ?? output.lastHiddenState }
        try GradMode.withoutGradients {
            let full = main(try peft.model.forward(ModelInput(ids: ids, batch: 1, length: ids.count)))
            let cache = KVCache()
            var pieces: [Tensor] = []
            for chunk in [[5, 17, 99], [3], [42, 8]] {
                pieces.append(main(try peft.model.forward(ModelInput(ids: chunk, batch: 1, length: chunk.count), cache: cache, collectHiddenStates: false)))
            }
            let worst = zip(try Tensor.concat(pieces, axis: 1).scalars, full.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5)
        }
    }

    /// Training: only the adapters (and modules_to_save) train, each copy's adapter gets its own
    /// gradient, and that gradient is the loss's derivative (checked against a central difference).
    @Test(arguments: cases)
    func eachCopysAdapterGetsItsOwnGradient(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let input = try fixture.input(), stack = try Self.stack(peft)
        #expect(peft.trainableParameters.allSatisfy { $0.name.contains(".lora_") || $0.name.contains(".modules_to_save.") })
        let shape = try GradMode.withoutGradients { try fixture.output(of: peft).shape }
        var generator = RandomGenerator(seed: 7)
        let weights = Tensor.normal(shape, std: 1, generator: &generator)
        func loss() throws -> Tensor {
            let output = try peft.forward(input)
            return try ((output.logits ?? output.lastHiddenState) * weights).sum()
        }
        try loss().backward()
        // Two copies of one checkpoint layer.
        let source = try #require(stack.sources.first { source in stack.sources.filter { $0 == source }.count > 1 })
        let copies = stack.sources.indices.filter { stack.sources[$0] == source }.prefix(2)
        func adapterB(_ layer: Int) throws -> Tensor {
            try #require(peft.trainableParameters.first { $0.name.contains("\(stack.name).\(layer).") && $0.name.contains(".lora_B.") }).parameter.value()
        }
        let gradients = try copies.map { try #require(adapterB($0).grad).scalars }
        #expect(gradients.allSatisfy { $0.contains { $0 != 0 } } && gradients[0] != gradients[1])
        for (layer, analytic) in zip(copies, gradients) {
            let b = try adapterB(layer), index = analytic.indices.max { abs(analytic[$0]) < abs(analytic[$1]) }!, step: Float = 1e-2
            let original = b.scalars[index]
            func shifted(_ delta: Float) throws -> Float {
                b.withUnsafeMutableBufferPointer { $0[index] = original + delta }
                return try GradMode.withoutGradients { try loss().scalars[0] }
            }
            let numeric = try (shifted(step) - shifted(-step)) / (2 * step)
            b.withUnsafeMutableBufferPointer { $0[index] = original }
            #expect(abs(numeric - analytic[index]) <= 2e-2 * abs(analytic[index]) + 1e-2, "\(name) layer \(layer): \(numeric) vs \(analytic[index])")
        }
    }

    static func config(_ fixture: FixtureCase) throws -> LoraConfig {
        try LoraConfig(jsonData: Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName)), source: "adapter_config.json")
    }

    static func refusal(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func whatPEFTRefusesIsRefusedWithWhatToDo() throws {
        let fixture = try FixtureCase("lora_llama_layer_replication"), config = try Self.config(fixture)
        var tooFar = config
        tooFar.layerReplication = LayerReplication(ranges: [.init(start: 0, end: 3)])
        #expect(Self.refusal { _ = try PeftModel(model: fixture.loadBase(), config: tooFar) }.contains("reaches past the model's 2 layers"))
        // GPT2LMHeadModel keeps its blocks at transformer.h, where PEFT does not look.
        let gpt2Case = try FixtureCase("lora_gpt2_layer_replication")
        let peftMessage = try #require(try gpt2Case.expectedJSON["lm_head_model_error"] as? String)
        let gpt2 = try ModelLoader.load(directory: FixtureCase("lora_gpt2_c_attn").folder("base")).model
        let message = Self.refusal { _ = try PeftModel(model: gpt2, config: Self.config(gpt2Case)) }
        #expect(message.contains(peftMessage) && message.contains("GPT2LMHeadModel"), "\(message)")
        #expect((gpt2 as? any LayerReplicating)?.layerStack == nil && gpt2.module(at: "transformer.h.0") != nil)
    }

    /// A second adapter on the expanded stack: without layer_replication, or with the same one, it
    /// wraps every copy with adapters of its own and leaves the first adapter as it was (PEFT would
    /// replicate the expanded stack again, tying the copies' first adapters); another expansion, or
    /// an expansion of layers that hold adapters, is refused and the model left as it was.
    @Test func aSecondAdapterWrapsEveryCopy() throws {
        let fixture = try FixtureCase("lora_llama_layer_replication"), config = try Self.config(fixture)
        for replication in [nil, config.layerReplication] {
            let peft = try fixture.loadAdapted()
            let before = try fixture.output(of: peft)
            var second = config
            second.layerReplication = replication
            try peft.addAdapter("second", config: second)
            #expect(try Self.stack(peft).sources == fixture.expectedJSON["layer_map"] as? [Int])
            let wrapped = peft.adapterLayers.filter { $0.layer.adapterNames.contains("second") }.map(\.name).sorted()
            #expect(wrapped == (try fixture.expectedJSON["wrapped_modules"] as? [String])?.sorted())
            #expect(try fixture.output(of: peft).scalars == before.scalars)
            #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        }
        let peft = try fixture.loadAdapted()
        var other = config
        other.layerReplication = LayerReplication(ranges: [.init(start: 0, end: 2)])
        let message = Self.refusal { try peft.addAdapter("second", config: other) }
        #expect(message.contains("layer_replication") && message.contains("already expanded"), "\(message)")
        #expect(try Self.stack(peft).sources == [0, 1, 1] && peft.adapterNames == ["default"])
        // An expansion after a plain adapter would copy its layers.
        let plain = try PeftModel(model: fixture.loadBase(), config: { var c = config; c.layerReplication = nil; return c }())
        let copying = Self.refusal { try plain.addAdapter("second", config: config) }
        #expect(copying.contains("before any adapter"), "\(copying)")
        #expect(try Self.stack(plain).sources == [0, 1] && !Self.stack(plain).isReplicated)
    }
}
