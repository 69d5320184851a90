import Foundation
import Models
import Testing

/// Models built from `config.json` alone: the whole tree and transformers' parameter counts (tied
/// weights once), for shapes far larger than memory.
@Suite struct MetaModeTests {
    func build(_ values: [String: Any]) throws -> any PretrainedModel {
        try ModelLoader.build(config: ConfigReader(plain: values, path: "config.json"), factory: ParameterFactory(.meta))
    }

    @Test func llama2_70BShape() throws {
        let model = try build(["architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8192,
                               "intermediate_size": 28672, "num_hidden_layers": 80, "num_attention_heads": 64,
                               "num_key_value_heads": 8, "vocab_size": 32000])
        #expect(model.parameterCounts().total == 68_976_648_192)
        #expect(model.module(at: "model.layers.79.self_attn.k_proj")?.parameter("weight")?.shape == [1024, 8192])
    }

    @Test func llama3_8BShapeWithUntiedHead() throws {
        let model = try build(["architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
                               "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
                               "num_key_value_heads": 8, "vocab_size": 128_256, "tie_word_embeddings": false])
        #expect(model.parameterCounts().total == 8_030_261_248)
    }

    @Test func gpt2XLShapeWithTiedHead() throws {
        let model = try build(["architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 1600, "n_layer": 48, "n_head": 25])
        #expect(model.parameterCounts().total == 1_557_611_200)
        #expect(model.module(at: "lm_head")?.parameter("weight") === model.module(at: "transformer.wte")?.parameter("weight"))
        #expect(model.namedParameters().contains { $0.name == "lm_head.weight" } == false)
    }

    @Test func metaModelsRefuseToRun() throws {
        let model = try build(["model_type": "gpt2", "n_embd": 8, "n_layer": 1, "n_head": 2, "vocab_size": 10, "n_positions": 4])
        #expect(throws: ModelError.metaModel) { try model.forward(ModelInput(ids: [1, 2], batch: 1, length: 2)) }
    }

    @Test func namesFollowTransformers() throws {
        let model = try build(["model_type": "bert", "architectures": ["BertForSequenceClassification"], "hidden_size": 8,
                               "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 10])
        let names = Set(model.namedModules().map(\.name))
        for name in ["bert.embeddings.word_embeddings", "bert.encoder.layer.0.attention.self.query",
                     "bert.encoder.layer.0.attention.output.LayerNorm", "bert.encoder.layer.0.output.dense", "bert.pooler.dense", "classifier"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(model.module(at: "bert.encoder.layer.0.attention.self.query")?.kind == .linear)
    }

    @Test func unsupportedArchitecturesAreRefusedWithTheList() throws {
        do {
            _ = try build(["architectures": ["T5ForConditionalGeneration"], "model_type": "t5"])
            Issue.record("T5 must be refused")
        } catch let error as ModelError {
            #expect("\(error)".contains("T5ForConditionalGeneration") && "\(error)".contains("LlamaForCausalLM"))
        }
    }
}
