import JSON
import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// AdaLoRA's config: PEFT's keys and defaults, `peft_type` dispatch, and the refusals PEFT makes
/// (with its reasons) before anything trains.
@Suite struct AdaLoraConfigTests {
    /// An AdaLoRA config from JSON members, with `peft_type` and a valid `total_step` unless given.
    static func config(_ members: [(String, JSONValue)]) throws -> AdaLoraConfig {
        var all: [(key: String, value: JSONValue)] = [("peft_type", .string("ADALORA")), ("total_step", .int(10))]
        for (key, value) in members {
            all.removeAll { $0.key == key }
            all.append((key, value))
        }
        return try AdaLoraConfig(json: .object(all))
    }

    @Test func defaultsArePefts() throws {
        let config = try Self.config([])
        #expect((config.targetR, config.initR, config.tinit, config.tfinal, config.deltaT) == (8, 12, 0, 0, 1))
        #expect((config.beta1, config.beta2, config.orthRegWeight) == (0.85, 0.85, 0.5))
        #expect(config.rankPattern == nil && config.peftType == .adalora && config.lora.loraAlpha == 8)
    }

    @Test func peftsSavedConfigRoundTrips() throws {
        for name in ["adalora_llama_forward", "adalora_llama_schedule"] {
            let url = FixtureCase.root.appendingPathComponent("\(name)/adapter/\(AdapterFiles.configFileName)")
            let config = try #require(try PeftConfigs.read(contentsOf: url) as? AdaLoraConfig)
            let written = try JSONSerialization.jsonObject(with: Data(config.json.pythonJSONText().utf8)) as! NSDictionary
            let original = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! NSDictionary
            #expect(written == original, "\(name)")
        }
    }

    @Test(arguments: [
        ([("total_step", JSONValue.null)], "AdaLoRA does not work when `total_step` is None, supply a value > 0."),
        ([("total_step", .int(0))], "supply a value > 0"),
        ([("tinit", .int(6)), ("tfinal", .int(4))], "The supplied schedule values don't allow for a budgeting phase. Decrease `tfinal`/`tinit` or increase `total_step`."),
        ([("orth_reg_weight", .double(-0.1))], "`orth_reg_weight` should be greater than or equal to 0"),
        ([("use_dora", .bool(true))], "does not support DoRA"),
        ([("loftq_config", .object([("loftq_bits", .int(4))]))], "does not support LOFTQ"),
        ([("r", .int(16))], "`init_r`"),
        ([("init_r", .int(-1))], "`r` should be a positive integer or 0"),
        ([("beta1", .double(1))], "beta1"),
        ([("deltaT", .int(0))], "deltaT"),
        ([("rank_pattern", .object([("m.lora_E", .array([.int(1)]))]))], "rank_pattern"),
        ([("target_modules", .string("q_proj")), ("layers_to_transform", .int(0))], "`layers_to_transform` cannot be used"),
    ] as [([(String, JSONValue)], String)])
    func invalidConfigsAreRefusedWithPeftsReasons(_ members: [(String, JSONValue)], reason: String) {
        #expect(TunerErrorTests.message { _ = try Self.config(members) }.contains(reason))
    }

    @Test func peftTypeChoosesTheConfig() throws {
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("LORA"))])) is LoraConfig)
        #expect(try PeftConfigs.config(json: .object([])) is LoraConfig)
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("ADALORA")), ("total_step", .int(5))])) is AdaLoraConfig)
        let filled = try PeftConfigs.config(json: .object([("peft_type", .string("ADALORA"))]), totalStepIfMissing: 7)
        #expect((filled as? AdaLoraConfig)?.totalStep == 7)
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("LOHA"))])) is LoHaConfig)
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("LOKR"))])) is LoKrConfig)
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("VBLORA"))])) is VBLoRAConfig)
        #expect(try PeftConfigs.config(json: .object([("peft_type", .string("RANDLORA"))])) is RandLoRAConfig)
        #expect(TunerErrorTests.message { _ = try LoraConfig(json: .object([("peft_type", .string("ADALORA"))])) }.contains("not LORA"))
    }

    @Test func methodsAndTrainableAdaLoraAdaptersDoNotMix() throws {
        let base = try FixtureCase("adalora_llama_forward").loadBase()
        let peft = try PeftModel(model: base, config: AdaLoraConfig(initR: 4, targetR: 2, totalStep: 10, targetModules: .names(["q_proj"])))
        #expect(TunerErrorTests.message { try peft.addAdapter("lora", config: LoraConfig(targetModules: .names(["v_proj"]))) }
            .contains("Cannot combine adapters with different peft types. Found ADALORA and LORA."))
        #expect(TunerErrorTests.message { try peft.addAdapter("second", config: AdaLoraConfig(totalStep: 10, targetModules: .names(["v_proj"]))) }
            .contains("supports only 1 trainable adapter"))
        var frozen = AdaLoraConfig(totalStep: 10, targetModules: .names(["v_proj"]))
        frozen.lora.inferenceMode = true
        try peft.addAdapter("frozen", config: frozen)
        #expect(peft.trainableAdaLoraAdapter == "default")
        #expect(TunerErrorTests.message { _ = try PeftModel(model: FixtureCase("adalora_llama_forward").loadBase(), config: AdaLoraConfig(totalStep: 10, targetModules: .names(["embed_tokens"]))) }
            .contains("not supported"))
    }

    @Test func aFreshAdapterStartsAsPefts() throws {
        let config = AdaLoraConfig(initR: 5, targetR: 2, totalStep: 10, loraAlpha: 4, targetModules: .names(["q_proj", "v_proj"]))
        let peft = try PeftModel(model: FixtureCase("adalora_llama_forward").loadBase(), config: config)
        let layers = peft.adapterLayers.compactMap { $0.layer as? AdaLoraLinear }
        #expect(!layers.isEmpty)
        for layer in layers {
            let triplet = try #require(layer.triplet("default"))
            #expect(triplet.rank == 5 && triplet.scaling == 4)
            #expect(try triplet.e.value().scalars.allSatisfy { $0 == 0 })
            #expect(try triplet.ranknum.value().item == 5 && !triplet.ranknum.requiresGrad)
            let a = try triplet.a.value().scalars
            let std = (a.map { $0 * $0 }.reduce(0, +) / Float(a.count)).squareRoot()
            #expect(abs(std - 0.02) < 0.005)
        }
        let counts = peft.trainableParameterCounts
        #expect(counts.total == base(of: peft) + counts.trainable + layers.count, "ranknum counts in the total, not as trainable")
    }

    /// The number of base-model weights of `peft`'s model (everything but the adapters).
    private func base(of peft: PeftModel) -> Int {
        peft.model.namedParameters().filter { !$0.name.contains(".lora_") && !$0.name.contains(".ranknum.") }.reduce(0) { $0 + $1.parameter.count }
    }
}
