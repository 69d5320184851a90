import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// Every LoRA/DoRA forward and merge case of the PEFT fixtures: the saved adapter loads onto the
/// base model and reproduces PEFT's adapted, disabled and merged outputs, deltas, merged weights,
/// wrapped modules and trainable counts.
@Suite struct LoraForwardParityTests {
    static let cases = [
        "lora_gpt2_c_attn", "lora_llama_qv", "lora_llama_all_linear", "lora_llama_regex", "lora_llama_exclude",
        "lora_llama_layers", "lora_llama_patterns", "lora_llama_rslora", "lora_gpt2_bias_lora_only", "lora_gpt2_bias_all",
        "lora_gpt2_lora_bias", "lora_gpt2_wte", "lora_llama_embedding", "lora_bert_seq_cls", "dora_llama", "dora_gpt2",
        "merge_lora_llama", "merge_lora_gpt2", "merge_dora_llama", "merge_dora_gpt2", "minilm_lora_qv",
        "lora_qwen2_all_linear", "lora_qwen3_all_linear", "lora_mistral_all_linear", "lora_gemma3_all_linear", "lora_phi3_all_linear",
    ]

    @Test(arguments: cases)
    func adaptedDisabledAndMergedOutputsMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: fixture.outputName("adapted")) == nil)
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: fixture.outputName("base")) == nil)
        for module in try fixture.expectedNames(withPrefix: "delta.") {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            #expect(try fixture.mismatch(layer.deltaWeight(of: "default"), expectedName: "delta.\(module)") == nil)
        }
        if try fixture.expected.info(named: "mean_pooled_adapted") != nil {
            let input = try fixture.input()
            let hidden = try GradMode.withoutGradients { try peft.forward(input).lastHiddenState }
            let mask = Tensor(shape: [input.batch, input.length, 1], data: input.attentionMask!.map(Float.init))
            #expect(try fixture.mismatch((hidden * mask).sum(axis: 1) / mask.sum(axis: 1), expectedName: "mean_pooled_adapted") == nil)
        }
        guard try fixture.expected.info(named: "logits_merged") != nil else { return }
        let merged = try peft.mergeAndUnload()
        #expect(merged.namedModules().allSatisfy { !($0.module is any AdapterLayer) })
        let logits = try GradMode.withoutGradients { try #require(merged.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_merged") == nil)
        for weight in try fixture.expectedNames(withPrefix: "merged.") {
            let value = try #require(parameter(weight, in: merged)).value()
            #expect(try fixture.mismatch(value, expectedName: "merged.\(weight)") == nil)
        }
    }

    @Test(arguments: ["lora_llama_patterns", "lora_llama_rslora"])
    func perModuleRankAlphaAndScalingFollowThePatterns(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let perModule = try #require(try fixture.expectedJSON["per_module"] as? [String: [String: Any]])
        for (module, expected) in perModule {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer as? LoraLinear)
            let adapter = try #require(layer.adapter("default"))
            #expect(adapter.r == expected["r"] as? Int)
            #expect(adapter.alpha == (expected["lora_alpha"] as? NSNumber)?.doubleValue)
            #expect(abs(Double(adapter.scaling) - ((expected["scaling"] as? NSNumber)?.doubleValue ?? .nan)) < 1e-6)
        }
    }

    @Test(arguments: ["lora_gpt2_bias_lora_only", "lora_gpt2_bias_all"])
    func biasCasesOverwriteTheBaseBiasesOnLoad(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let pristine = try fixture.loadBase()
        let logits = try GradMode.withoutGradients { try #require(pristine.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_original") == nil)
    }

    @Test(arguments: ["lora_llama_all_linear", "lora_qwen2_all_linear", "lora_qwen3_all_linear", "lora_mistral_all_linear",
                      "lora_gemma3_all_linear", "lora_phi3_all_linear"])
    func allLinearSelectsWhatPeftSelectsAndNeverTheHead(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peftConfig = try #require(fixture.caseInfo["peft_config"] as? [String: Any])
        var config = LoraConfig(r: try #require(peftConfig["r"] as? Int), loraAlpha: try #require(peftConfig["lora_alpha"] as? Double),
                                targetModules: .allLinear)
        config.taskType = .causalLM
        let base = try fixture.loadBase()
        let peft = try PeftModel(model: base, config: config)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(!peft.wrappedModuleNames.contains("lm_head"))
        // PEFT saves the expanded names, condensed to minimal suffixes when there are 20 or more.
        let saved = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        guard case let .names(expected)? = saved.targetModules, case let .names(made)? = peft.configs["default"]?.targeting.targetModules else {
            Issue.record("\(name): target_modules are not names"); return
        }
        #expect(Set(made) == Set(expected) && made.count == expected.count, "\(name): \(made)")
    }

    @Test func longTargetListsAreCondensedAsPeftCondensesThem() throws {
        // PEFT's own docstring example of `_find_minimal_target_modules`.
        let targets = (0 ..< 100).map { "model.decoder.layers.\($0).self_attn.q_proj" } + (0 ..< 100).map { "model.decoder.layers.\($0).self_attn.v_proj" }
        let others = (0 ..< 100).map { "model.encoder.layers.\($0).self_attn.k_proj" }
        #expect(Set(try MinimalTargetModules.find(targets, others: others)) == ["q_proj", "v_proj"])
        // A suffix another module shares is not enough: the next longer one is taken (PEFT 0.21.2 gives these 20, so the
        // list is kept as it was).
        let shared = (0 ..< 20).map { "model.decoder.layers.\($0).self_attn.q_proj" }
        let expected = Set((1 ..< 20).map { "\($0).self_attn.q_proj" } + ["decoder.layers.0.self_attn.q_proj"])
        #expect(Set(try MinimalTargetModules.find(shared, others: ["model.encoder.layers.0.self_attn.q_proj"])) == expected)
        #expect(try MinimalTargetModules.condense(shared, moduleNames: ["model.encoder.layers.0.self_attn.q_proj"] + shared) == shared)
        #expect(try MinimalTargetModules.condense(Array(shared.prefix(19)), moduleNames: []) == Array(shared.prefix(19)))
        #expect(throws: TunerError.self) { try MinimalTargetModules.find(shared + [""], others: []) }
    }

    @Test func phi3HasNoDefaultTargetsAsInPeft() throws {
        let base = try FixtureCase("lora_phi3_all_linear").loadBase()
        #expect(throws: TunerError.self) { try PeftModel(model: base, config: LoraConfig(r: 2, loraAlpha: 4)) }
        for name in ["lora_qwen3_all_linear", "lora_mistral_all_linear", "lora_gemma3_all_linear"] {
            let peft = try PeftModel(model: FixtureCase(name).loadBase(), config: LoraConfig(r: 2, loraAlpha: 4))
            #expect(Set(peft.wrappedModuleNames.map { $0.split(separator: ".").last! }) == ["q_proj", "v_proj"], "\(name)")
        }
    }

    @Test func adaptersStartingFromAConfigWrapAndCountLikePeft() throws {
        for name in Self.cases where name != "minilm_lora_qv" {
            let fixture = try FixtureCase(name)
            let config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
            var fresh = config
            fresh.inferenceMode = false
            let peft = try PeftModel(model: fixture.loadBase(), config: fresh)
            let json = try fixture.expectedJSON
            #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String], "\(name)")
            #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]), "\(name)")
            #expect(peft.adapterStateEntries("default").keys.sorted() == json["adapter_keys"] as? [String], "\(name)")
        }
    }
}
