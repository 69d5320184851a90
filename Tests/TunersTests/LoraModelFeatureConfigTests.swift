import FixtureSupport
import Foundation
import Models
import Testing
@testable import Tuners

/// The LoraConfig fields around the adapter: `target_parameters`, `trainable_token_indices`,
/// `layer_replication`, `megatron_config` / `megatron_core` and `runtime_config`: read, validated,
/// kept on a round trip, and refused with PEFT's reason where PEFT (or lorakit) refuses them.
@Suite struct LoraModelFeatureConfigTests {
    static let caseNames = ["lora_llama_target_parameters", "lora_llama_trainable_tokens", "lora_llama_layer_replication"]

    /// The case's adapter config with `changes` applied (nil removes a key).
    static func config(_ name: String, _ changes: [String: Any?] = [:]) throws -> Data {
        let fixture = try FixtureCase(name)
        var values = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))) as! [String: Any]
        for (key, value) in changes { values[key] = value ?? nil }
        return try JSONSerialization.data(withJSONObject: values)
    }

    static func read(_ data: Data) throws -> LoraConfig {
        try LoraConfig(jsonData: data, source: "adapter_config.json")
    }

    static func refusal(_ data: Data) -> String {
        do {
            _ = try read(data)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: caseNames)
    func peftsConfigReadsAndWritesBackUnchanged(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let url = fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName)
        let written = try JSONSerialization.jsonObject(with: Data(try LoraConfig(contentsOf: url).jsonText.utf8)) as! NSDictionary
        #expect(written == (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! NSDictionary))
    }

    @Test func targetParametersRefusesWhatParamWrapperRefuses() throws {
        let name = "lora_llama_target_parameters"
        #expect(Self.refusal(try Self.config(name, ["target_parameters": "q_proj.weight"])).contains("must be a list of strings"))
        for (key, value, setting) in [("lora_dropout", 0.1, "lora_dropout != 0"), ("fan_in_fan_out", true, "fan_in_fan_out"),
                                      ("lora_bias", true, "lora_bias=True"), ("use_dora", true, "use_dora=True")] as [(String, Any, String)] {
            #expect(Self.refusal(try Self.config(name, [key: value])).contains("lora.ParamWrapper does not work with \(setting)"))
        }
    }

    @Test func aParameterOfAModuleTargetedAsAModuleIsRefused() throws {
        let fixture = try FixtureCase("lora_llama_target_parameters")
        let config = try Self.read(try Self.config(fixture.name, ["target_modules": ["q_proj"]]))
        #expect(throws: TunerError.self) { _ = try PeftModel(model: fixture.loadBase(), config: config) }
        do { _ = try PeftModel(model: fixture.loadBase(), config: config) } catch {
            #expect("\(error)".contains("Make sure that this layer is not also targeted with `target_modules`"))
        }
    }

    @Test func parametersOtherThanALinearWeightAreRefusedWithWhatToDo() throws {
        let fixture = try FixtureCase("lora_llama_target_parameters")
        for target in ["input_layernorm.weight", "embed_tokens.weight"] {
            let config = try Self.read(try Self.config(fixture.name, ["target_parameters": [target]]))
            do {
                _ = try PeftModel(model: fixture.loadBase(), config: config)
                Issue.record("\(target) was accepted")
            } catch {
                #expect("\(error)".contains("use target_modules"), "\(error)")
            }
        }
    }

    @Test func noModuleAndNoParameterIsPEFTsError() throws {
        let fixture = try FixtureCase("lora_llama_target_parameters")
        let config = try Self.read(try Self.config(fixture.name, ["target_parameters": ["nothing.weight"]]))
        do {
            _ = try PeftModel(model: fixture.loadBase(), config: config)
            Issue.record("a config targeting nothing was accepted")
        } catch {
            #expect("\(error)".contains("No `target_modules` passed but also no `target_parameters` found"))
        }
    }

    /// Megatron is refused with its reason; `megatron_core` alone is inert and kept.
    @Test func megatronIsRefusedWithTheReasonAndKeptOtherwise() throws {
        let name = "lora_llama_target_parameters"
        #expect(Self.refusal(try Self.config(name, ["megatron_config": ["tensor_model_parallel_size": 2]])).contains("GPU cluster"))
        let kept = try Self.read(try Self.config(name, ["megatron_core": "my.megatron"]))
        #expect(kept.jsonText.contains("\"megatron_core\": \"my.megatron\""))
    }

    /// `runtime_config` round-trips, and `ephemeral_gpu_offload` is said to have no effect, once.
    @Test func runtimeConfigIsKeptAndItsGPUOffloadIsSaidOnce() throws {
        let fixture = try FixtureCase("lora_llama_target_parameters")
        let config = try Self.read(try Self.config(fixture.name, ["runtime_config": ["ephemeral_gpu_offload": true]]))
        #expect(config.runtimeConfig?.ephemeralGpuOffload == true)
        #expect(config.jsonText.contains("\"runtime_config\": {"))
        let peft = try PeftModel(model: fixture.loadBase(), config: config)
        try peft.addAdapter("second", config: config)
        #expect(peft.warnings.filter { $0 == LoraRuntimeConfig.cpuNote }.count == 1)
        #expect(Self.refusal(try Self.config(fixture.name, ["runtime_config": ["ephemeral_gpu_offload": "yes"]])).contains("true or false"))
        #expect(Self.refusal(try Self.config(fixture.name, ["runtime_config": ["gpu": true]])).contains("not a field"))
        let plain = try Self.read(try Self.config(fixture.name))
        #expect(!plain.jsonText.contains("runtime_config"))
    }

    @Test func malformedTrainableTokenIndicesAndLayerReplicationAreRefused() throws {
        let name = "lora_llama_target_parameters"
        for value in ["3", [-1], [1.5], ["x"], [String: Any](), ["embed_tokens": 3]] as [Any] {
            #expect(Self.refusal(try Self.config(name, ["trainable_token_indices": value])).contains("trainable_token_indices"), "\(value)")
        }
        for value in ["0,2", [0, 2], [[0]], [[2, 1]], [[-1, 1]], [[0, "1"]]] as [Any] {
            #expect(Self.refusal(try Self.config(name, ["layer_replication": value])).contains("layer_replication"), "\(value)")
        }
    }
}
