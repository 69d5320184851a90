import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `config.json` files as the hub has them (`Tests/Fixtures/hub_configs`), built from the config
/// alone: the published parameter counts, and what each config switches on.
@Suite struct HubConfigTests {
    func build(_ name: String) throws -> DecoderModel {
        let config = try ConfigReader(contentsOf: FixtureCase.root.appendingPathComponent("hub_configs/\(name).json"))
        return try #require(try ModelLoader.build(config: config, factory: ParameterFactory(.meta)) as? DecoderModel)
    }

    @Test(arguments: [
        ("Llama-3.2-1B", 1_235_814_400), ("SmolLM2-135M", 134_515_008), ("TinyLlama-1.1B-Chat-v1.0", 1_100_048_384),
        ("Qwen2.5-0.5B", 494_032_768), ("Qwen3-0.6B", 596_049_920), ("Mistral-7B-v0.1", 7_241_732_096),
        ("gemma-3-1b-it", 999_885_952), ("Phi-3-mini-4k-instruct", 3_821_079_552),
    ])
    func parameterCountsAreThePublishedOnes(_ name: String, _ count: Int) throws {
        #expect(try build(name).parameterCounts().total == count)
    }

    @Test func theirFeaturesAreReadFromTheConfig() throws {
        let llama = try build("Llama-3.2-1B")
        #expect(llama.module(at: "lm_head")?.parameter("weight") === llama.module(at: "model.embed_tokens")?.parameter("weight"))
        #expect(llama.config.rotary[DecoderConfig.fullAttention]?.scaling
            == .llama3(factor: 32, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalMaxPositions: 8192))
        #expect(llama.config.rotary[DecoderConfig.fullAttention]?.theta == 500_000)
        let qwen = try build("Qwen2.5-0.5B")
        #expect(qwen.config.layerTypes.allSatisfy { $0 == DecoderConfig.fullAttention } && qwen.config.slidingWindow == nil)
        #expect(qwen.module(at: "model.layers.0.self_attn.k_proj")?.parameter("bias")?.shape == [128])
        let qwen3 = try build("Qwen3-0.6B")
        #expect(qwen3.module(at: "model.layers.27.self_attn.q_norm")?.parameter("weight")?.shape == [128])
        #expect(qwen3.module(at: "model.layers.0.self_attn.q_proj")?.parameter("weight")?.shape == [2048, 1024])
        let gemma = try build("gemma-3-1b-it")
        #expect(gemma.config.layerTypes.enumerated().allSatisfy { ($0.offset + 1) % 6 == 0 ? $0.element == DecoderConfig.fullAttention
                                                                                           : $0.element == DecoderConfig.slidingAttention })
        #expect(gemma.config.rotary[DecoderConfig.slidingAttention]?.theta == 10000 && gemma.config.rotary[DecoderConfig.fullAttention]?.theta == 1e6)
        #expect(gemma.config.slidingWindow == 512 && gemma.config.attentionScale == 1 / 16)
        let phi = try build("Phi-3-mini-4k-instruct")
        #expect(phi.config.slidingWindow == 2047 && phi.config.layerTypes.allSatisfy { $0 == DecoderConfig.slidingAttention })
        #expect(phi.module(at: "model.layers.0.self_attn.qkv_proj")?.parameter("weight")?.shape == [9216, 3072])
        #expect(phi.module(at: "model.layers.0.mlp.gate_up_proj")?.parameter("weight")?.shape == [16384, 3072])
        let mistral = try build("Mistral-7B-v0.1")
        #expect(mistral.config.slidingWindow == 4096 && mistral.config.rotary.values.allSatisfy { $0.scaling == .none })
    }
}

/// How decoder configs are read: per-layer-type and partial rotary tables, dynamic scaling, and
/// values lorakit cannot honour refused with the key, the value and what would work.
@Suite struct DecoderConfigReadingTests {
    func refusal(_ values: [String: Any]) throws -> String {
        var config: [String: Any] = ["model_type": "llama", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
                                     "num_key_value_heads": 1, "intermediate_size": 8, "vocab_size": 10]
        config.merge(values) { $1 }
        do {
            _ = try ModelLoader.build(config: ConfigReader(plain: config, path: "config.json"), factory: ParameterFactory(.meta))
            return ""
        } catch let error as ModelError {
            return "\(error)"
        }
    }

    @Test func unsupportedModelTypesAndRopeTypesAreNamedWithTheSupportedOnes() throws {
        let model = try refusal(["model_type": "t5", "architectures": NSNull()])
        #expect(model.contains("model_type t5") && model.contains("gemma3_text") && model.contains("phi3") && model.contains("Qwen3ForCausalLM"))
        let rope = try refusal(["rope_scaling": ["rope_type": "longrope", "factor": 2]])
        #expect(rope.contains("longrope") && rope.contains("yarn") && rope.contains("llama3"))
    }

    @Test func inconsistentValuesAreExplained() throws {
        #expect(try refusal(["rope_parameters": ["rope_type": "linear"]]).contains("needs a factor"))
        #expect(try refusal(["rope_parameters": ["rope_type": "linear", "factor": 0.5]]).contains("at least 1"))
        #expect(try refusal(["rope_parameters": ["rope_type": "llama3", "factor": 8]]).contains("low_freq_factor"))
        #expect(try refusal(["partial_rotary_factor": 0.375, "model_type": "phi3"]).contains("must be even"))
        #expect(try refusal(["model_type": "qwen2", "layer_types": ["full_attention", "global"]]).contains("layer_types"))
        #expect(try refusal(["model_type": "mistral", "sliding_window": 0]).contains("sliding_window"))
        #expect(try refusal(["model_type": "gemma3_text", "final_logit_softcapping": 30]).contains("final_logit_softcapping"))
        #expect(try refusal(["num_key_value_heads": 3]).contains("num_key_value_heads"))
    }

    @Test func perLayerTypeScalingAndPartialRotaryAreRead() throws {
        func build(_ values: [String: Any]) throws -> DecoderModel {
            var config: [String: Any] = ["hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                                         "intermediate_size": 8, "vocab_size": 10]
            config.merge(values) { $1 }
            return try #require(try ModelLoader.build(config: ConfigReader(plain: config, path: "config.json"), factory: ParameterFactory(.meta)) as? DecoderModel)
        }
        // Gemma 3 4B+: linear scaling on the global layers only, the local base on the sliding ones.
        let gemma = try build(["model_type": "gemma3_text", "head_dim": 8, "layer_types": ["sliding_attention", "full_attention"],
                               "rope_parameters": ["full_attention": ["rope_type": "linear", "factor": 4, "rope_theta": 1e6],
                                                   "sliding_attention": ["rope_type": "default", "rope_theta": 1e4]]])
        let global = try RotaryTable.defaultInverseFrequencies(dimension: 8, theta: 1e6).map { $0 / 4 }
        #expect(try gemma.config.rotary[DecoderConfig.fullAttention]!.frequencies(sequenceLength: 1).inverse == global)
        #expect(try gemma.config.rotary[DecoderConfig.slidingAttention]!.frequencies(sequenceLength: 1).inverse
            == RotaryTable.defaultInverseFrequencies(dimension: 8, theta: 1e4))
        // The same from a transformers 4 config: rope_scaling goes to the global layers, rope_local_base_freq to the local ones.
        let legacy = try build(["model_type": "gemma3_text", "head_dim": 8, "layer_types": ["sliding_attention", "full_attention"],
                                "rope_scaling": ["rope_type": "linear", "factor": 4], "rope_theta": 1e6, "rope_local_base_freq": 1e4])
        #expect(legacy.config.rotary == gemma.config.rotary)
        // An empty rope_scaling leaves rope_parameters in charge, as transformers' `rope_scaling or rope_parameters`.
        let llama = try build(["model_type": "llama", "rope_scaling": [String: Any](), "rope_parameters": ["rope_type": "linear", "factor": 2]])
        #expect(llama.config.rotary.values.first?.scaling == .linear(factor: 2))
        // Phi-3 with partial_rotary_factor 0.5 rotates the first half of each 8-wide head.
        let phi = try build(["model_type": "phi3", "rope_parameters": ["rope_type": "default", "rope_theta": 1e4, "partial_rotary_factor": 0.5]])
        #expect(phi.config.rotary.values.first?.rotatedDimension == 4)
        #expect(try phi.config.rotary.values.first!.frequencies(sequenceLength: 1).inverse == RotaryTable.defaultInverseFrequencies(dimension: 4, theta: 1e4))
    }

    @Test func dynamicRopeGrowsTheBaseOnlyBeyondMaxPositions() throws {
        let rope = RotaryParameters(theta: 10000, rotatedDimension: 8, scaling: .dynamic(factor: 2, maxPositions: 16))
        let plain = try RotaryTable.defaultInverseFrequencies(dimension: 8, theta: 10000)
        #expect(try rope.frequencies(sequenceLength: 16).inverse == plain)
        // transformers: base · ((factor · seq / max) − (factor − 1))^(dim / (dim − 2)).
        let grown = try RotaryTable.defaultInverseFrequencies(dimension: 8, theta: 10000 * pow(2.0 * 32 / 16 - 1, 8.0 / 6))
        #expect(try rope.frequencies(sequenceLength: 32).inverse == grown)
    }
}
