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
        config.taskType = ModelTask.causalLM.rawValue
        let base = try fixture.loadBase()
        let peft = try PeftModel(model: base, config: config)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(!peft.wrappedModuleNames.contains("lm_head"))
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
