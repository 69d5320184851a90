import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// Mistakes a user can make get errors that say what was wrong, and change nothing.
@Suite struct TunerErrorTests {
    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test func targetsMatchingNothingNameCloseModules() throws {
        let base = try FixtureCase("lora_llama_qv").loadBase()
        let text = Self.message { _ = try PeftModel(model: base, config: LoraConfig(targetModules: .names(["q_projj"]))) }
        #expect(text.contains("Target modules {'q_projj'} not found in the base model"))
        #expect(text.contains("q_proj"))
        #expect(base.namedModules().allSatisfy { !($0.module is any AdapterLayer) })
    }

    @Test func invalidConfigValuesAreRefused() throws {
        var config = LoraConfig(r: 0, targetModules: .names(["q_proj"]))
        #expect(Self.message { try config.validate() }.contains("`r` should be a positive integer"))
        config.r = 4
        config.loraDropout = 1
        #expect(Self.message { try config.validate() }.contains("lora_dropout"))
        config.loraDropout = 0
        config.layersPattern = ["layers"]
        #expect(Self.message { try config.validate() }.contains("`layers_to_transform` must also be specified"))
        config.layersPattern = nil
        config.targetModules = .pattern(".*q_proj")
        config.layersToTransform = [0]
        #expect(Self.message { try config.validate() }.contains("cannot be used when `target_modules` is a str"))
        #expect(Self.message { _ = try LoraConfig(json: .object([("init_lora_weights", .string("loftq"))])) }.contains("`loftq_config` must be specified"))
        #expect(Self.message { _ = try LoraConfig(json: .object([("init_lora_weights", .string("pissa_niter_x"))])) }.contains("pissa_niter_[number of iters]"))
        #expect(Self.message { _ = try LoraConfig(json: .object([("eva_config", .object([("rho", .int(2))]))])) }.contains("remove eva_config"))
        #expect(Self.message { _ = try LoraConfig(json: .object([("bias", .string("some"))])) }.contains("bias"))
        #expect(Self.message { _ = try LoraConfig(json: .object([("peft_type", .string("LOHA"))])) }.contains("not LORA"))
    }

    @Test func doraOnAnEmbeddingAndUnsupportedModulesAreRefused() throws {
        let base = try FixtureCase("lora_llama_qv").loadBase()
        var config = LoraConfig(targetModules: .names(["embed_tokens"]))
        config.useDora = true
        #expect(Self.message { _ = try PeftModel(model: base, config: config) }.contains("DoRA on an Embedding"))
        #expect(Self.message { _ = try PeftModel(model: base, config: LoraConfig(targetModules: .names(["input_layernorm"]))) }.contains("not supported"))
        #expect(base.namedModules().allSatisfy { !($0.module is any AdapterLayer) })
    }

    @Test func anAdapterOfAnotherArchitectureIsRefused() throws {
        let llama = try FixtureCase("lora_llama_qv").loadBase()
        let gpt2Adapter = try FixtureCase("lora_gpt2_c_attn").folder("adapter")
        #expect(Self.message { _ = try PeftModel.fromPretrained(llama, directory: gpt2Adapter) }.contains("not found in the base model"))
    }

    /// An adapter folder holding `tensors` and the config of `lora_llama_qv`.
    static func adapterFolder(_ tensors: [String: Tensor]) throws -> URL {
        let fixture = try FixtureCase("lora_llama_qv")
        let folder = try SaveLoadTests.temporaryDirectory()
        try FileManager.default.copyItem(at: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName),
                                         to: folder.appendingPathComponent(AdapterFiles.configFileName))
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent(AdapterFiles.weightsFileName))
        return folder
    }

    @Test func missingKeysAndWrongShapesAreRefused() throws {
        let fixture = try FixtureCase("lora_llama_qv")
        let file = try SafeTensorsFile(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.weightsFileName))
        var tensors = Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor(named: $0)) })
        let dropped = try #require(tensors.keys.sorted().first)
        tensors[dropped] = nil
        let missing = try Self.adapterFolder(tensors)
        defer { try? FileManager.default.removeItem(at: missing) }
        #expect(Self.message { _ = try PeftModel.fromPretrained(fixture.loadBase(), directory: missing) }.contains("missing tensors: \(dropped)"))
        tensors[dropped] = Tensor.zeros([1, 1])
        let misshapen = try Self.adapterFolder(tensors)
        defer { try? FileManager.default.removeItem(at: misshapen) }
        #expect(Self.message { _ = try PeftModel.fromPretrained(fixture.loadBase(), directory: misshapen) }.contains("shapes differ"))
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        #expect(Self.message { try peft.loadAdapter(directory: misshapen, name: "bad") }.contains("shapes differ"))
        #expect(peft.adapterNames == ["default"])
    }

    @Test func safeMergeRefusesNonFiniteWeightsAndChangesNothing() throws {
        let fixture = try FixtureCase("lora_llama_qv")
        let peft = try fixture.loadAdapted()
        let layers = peft.adapterLayers
        let before = try layers.map { try $0.layer.baseLayer.parameter("weight")!.value().scalars }
        let poisoned = try #require(layers.last?.layer.adapterParameters(of: "default").first?.parameter).value()
        poisoned.withUnsafeMutableBufferPointer { $0[0] = .nan }
        #expect(Self.message { try peft.mergeAdapter(safeMerge: true) }.contains("NaNs detected"))
        let after = try layers.map { try $0.layer.baseLayer.parameter("weight")!.value().scalars }
        let unchanged = after == before
        #expect(unchanged)
        #expect(layers.allSatisfy { !$0.layer.isMerged })
    }

    @Test func mergeThenUnmergeRestoresTheBaseWeights() throws {
        for name in ["lora_llama_qv", "dora_gpt2", "lora_gpt2_lora_bias", "lora_llama_embedding"] {
            let fixture = try FixtureCase(name)
            let peft = try fixture.loadAdapted()
            let before = try peft.model.namedParameters().map { try $0.parameter.value().scalars }
            try peft.mergeAdapter()
            try peft.unmergeAdapter()
            let after = try peft.model.namedParameters().map { try $0.parameter.value().scalars }
            for (a, b) in zip(before, after) {
                #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-5 * abs($0) }, "\(name)")
            }
        }
    }

    @Test func printTrainableParametersUsesPeftsFormat() {
        #expect(TrainableParameterCounts(trainable: 896, total: 27680).summary
            == "trainable params: 896 || all params: 27,680 || trainable%: 3.2370")
        #expect(TrainableParameterCounts(trainable: 1_234_567, total: 100_000_000).summary
            == "trainable params: 1,234,567 || all params: 100,000,000 || trainable%: 1.2346")
    }
}
