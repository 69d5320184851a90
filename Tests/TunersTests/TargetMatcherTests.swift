import Testing
@testable import Tuners

/// PEFT's target-selection rules on module names, independent of any model.
@Suite struct TargetMatcherTests {
    static func outcome(_ config: LoraConfig, _ key: String) throws -> TargetMatcher.Outcome {
        try TargetMatcher(config).outcome(for: key)
    }

    @Test func listsMatchWholeNamesOrDottedSuffixes() throws {
        let config = LoraConfig(targetModules: .names(["q_proj", "mlp.up_proj"]))
        #expect(try Self.outcome(config, "model.layers.0.self_attn.q_proj") == .targeted)
        #expect(try Self.outcome(config, "q_proj") == .targeted)
        #expect(try Self.outcome(config, "model.layers.0.self_attn.xq_proj") == .unmatched)
        #expect(try Self.outcome(config, "model.layers.0.mlp.up_proj") == .targeted)
    }

    @Test func aRegexMustMatchTheWholeName() throws {
        let config = LoraConfig(targetModules: .pattern("model\\.layers\\.\\d+\\.self_attn\\.(q|q_proj)"))
        #expect(try Self.outcome(config, "model.layers.10.self_attn.q_proj") == .targeted)
        #expect(try Self.outcome(config, "model.layers.1.self_attn.q_proj.base_layer") == .unmatched)
        #expect(try Self.outcome(LoraConfig(targetModules: .pattern("q_proj")), "model.layers.0.self_attn.q_proj") == .unmatched)
    }

    @Test func exclusionsAndModulesToSaveComeFirst() throws {
        var config = LoraConfig(targetModules: .names(["q_proj", "classifier"]))
        config.excludeModules = .names(["layers.1.self_attn.q_proj"])
        config.modulesToSave = ["classifier"]
        #expect(try Self.outcome(config, "model.layers.1.self_attn.q_proj") == .excluded)
        #expect(try Self.outcome(config, "model.layers.0.self_attn.q_proj") == .targeted)
        #expect(try Self.outcome(config, "classifier") == .excluded)
        config.excludeModules = .pattern(".*layers\\.0\\..*")
        #expect(try Self.outcome(config, "model.layers.0.self_attn.q_proj") == .excluded)
    }

    @Test func layersToTransformReadTheIndexAfterThePattern() throws {
        var config = LoraConfig(targetModules: .names(["c_attn", "q_proj"]))
        config.layersToTransform = [1]
        config.layersPattern = ["h"]
        #expect(try Self.outcome(config, "transformer.h.1.attn.c_attn") == .targeted)
        #expect(try Self.outcome(config, "transformer.h.0.attn.c_attn") == .unmatched)
        config.layersPattern = nil
        #expect(try Self.outcome(config, "model.layers.1.self_attn.q_proj") == .targeted)
        #expect(try Self.outcome(config, "model.layers.0.self_attn.q_proj") == .unmatched)
    }

    @Test func thFirstPatternKeyInOrderWins() throws {
        var config = LoraConfig(r: 4, loraAlpha: 8)
        config.rankPattern = [("v_proj", 2), ("layers.0.self_attn.v_proj", 16)]
        config.alphaPattern = [("mlp\\.up_proj", 3)]
        #expect(try config.rankAndAlpha(for: "model.layers.0.self_attn.v_proj") == (2, 8))
        #expect(try config.rankAndAlpha(for: "model.layers.0.mlp.up_proj") == (4, 3))
        #expect(try config.rankAndAlpha(for: "model.layers.0.self_attn.xv_proj") == (4, 8))
    }
}
