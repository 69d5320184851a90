import Models
import Testing

@Suite struct ModuleTreeTests {
    @Test func identicalBlocksFoldAndCountsAdd() throws {
        let model = try ModelLoader.build(
            config: ConfigReader(plain: ["model_type": "llama", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 4,
                                          "num_attention_heads": 2, "vocab_size": 50], path: "config.json"),
            factory: ParameterFactory(.meta))
        let tree = ModuleTree(model, maxDepth: 2)
        let folded = try #require(tree.lines.first { $0.label.hasPrefix("layers.") })
        #expect(folded.label == "layers.0-3 (×4)" && folded.repeats == 4 && folded.path == "model.layers.0")
        #expect(folded.parameterCount * 4 + 2 * 50 * 16 + 16 == tree.lines[0].parameterCount)
        #expect(tree.rendered().contains("layers.0-3 (×4)  LlamaDecoderLayer"))
        #expect(ModuleTree.grouped(68_976_648_192) == "68,976,648,192")
    }
}
