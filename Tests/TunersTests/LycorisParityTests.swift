import JSON
import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// Every LoHa and LoKr forward and merge case of the PEFT fixtures: PEFT's saved adapter loads onto
/// the base model and reproduces PEFT's adapted, disabled and merged outputs, deltas, merged weights,
/// wrapped modules, trainable counts and saved keys; what lorakit saves is PEFT's layout and config.
@Suite struct LycorisParityTests {
    static let cases = ["loha_llama", "lokr_llama", "lokr_llama_decompose", "merge_loha_llama", "merge_lokr_llama"]

    @Test(arguments: cases)
    func adaptedDisabledAndMergedOutputsMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(peft.adapterStateEntries("default").keys.sorted() == json["adapter_keys"] as? [String])
        #expect(peft.adapterLayers.allSatisfy { $0.layer.typeName == (name.contains("loha") ? "loha.Linear" : "lokr.Linear") })
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let disabled = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(try fixture.mismatch(disabled, expectedName: "logits_base") == nil)
        let deltas = try fixture.expectedNames(withPrefix: "delta.")
        #expect(deltas.sorted() == peft.wrappedModuleNames)
        for module in deltas {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            #expect(try fixture.mismatch(layer.deltaWeight(of: "default"), expectedName: "delta.\(module)") == nil)
        }
        try peft.mergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_merged") == nil)
        try peft.unmergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let merged = try peft.mergeAndUnload(safeMerge: true)
        #expect(merged.namedModules().allSatisfy { !($0.module is any AdapterLayer) })
        let logits = try GradMode.withoutGradients { try #require(merged.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_merged") == nil)
        for weight in try fixture.expectedNames(withPrefix: "merged.") {
            #expect(try fixture.mismatch(#require(parameter(weight, in: merged)).value(), expectedName: "merged.\(weight)") == nil)
        }
    }

    @Test(arguments: cases)
    func savedAdapterHasPeftsLayoutAndConfigAndReloads(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let adapted = try fixture.output(of: peft)
        let out = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try peft.savePretrained(directory: out)
        let original = fixture.folder("adapter")
        #expect(try SaveLoadTests.layout(out.appendingPathComponent(AdapterFiles.weightsFileName))
            == SaveLoadTests.layout(original.appendingPathComponent(AdapterFiles.weightsFileName)))
        let savedConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(AdapterFiles.configFileName))) as! [String: Any]
        let peftConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: original.appendingPathComponent(AdapterFiles.configFileName))) as! [String: Any]
        #expect(savedConfig.keys.sorted() == peftConfig.keys.sorted())
        for (key, value) in peftConfig where key != "target_modules" {
            #expect(ConfigJSON.text(savedConfig[key]) == ConfigJSON.text(value), "\(key)")
        }
        #expect(Set(savedConfig["target_modules"] as? [String] ?? []) == Set(peftConfig["target_modules"] as? [String] ?? ["?"]))
        let again = try fixture.output(of: PeftModel.fromPretrained(fixture.loadBase(), directory: out))
        #expect(again.scalars == adapted.scalars)
    }

    @Test(arguments: cases)
    func freshAdaptersWrapCountAndNameAsPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        var config = try PeftConfigs.read(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.base.inferenceMode = false
        let model = try fixture.loadBase()
        let peft = try PeftModel(model: model, config: config)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(peft.adapterStateEntries("default").keys.sorted() == json["adapter_keys"] as? [String])
        // PEFT's default initialisation leaves the model's output unchanged.
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_base") == nil)
    }

    @Test(arguments: ["loha_llama", "lokr_llama"])
    func severalAdaptersSwitchAddUpMergeAndDisable(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        try peft.loadAdapter(directory: fixture.folder("adapter"), name: "second")
        try peft.setAdapter("second")
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        try peft.setAdapters(["default", "second"])
        let both = try fixture.output(of: peft)
        #expect(try fixture.mismatch(both, expectedName: "logits_adapted") != nil)
        try peft.mergeAdapter()
        #expect(try fixture.output(of: peft).scalars.elementsEqual(both.scalars) { abs($0 - $1) <= 1e-4 + 1e-4 * abs($1) })
        peft.disableAdapters()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_base") == nil)
        peft.enableAdapters()
        try peft.setAdapter("default")
        try peft.deleteAdapter("second")
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
    }

    @Test func lokrFactorizationIsPefts() {
        #expect(LoKrShape.factorization(32) == (4, 8))
        #expect(LoKrShape.factorization(16) == (4, 4))
        #expect(LoKrShape.factorization(48) == (6, 8))
        #expect(LoKrShape.factorization(127) == (1, 127))
        #expect(LoKrShape.factorization(32, factor: 16) == (16, 2))
        #expect(LoKrShape.factorization(128, factor: 4) == (4, 32))
        #expect(LoKrShape.factorization(256, factor: -1) == (16, 16))
        #expect(LoKrShape.factorization(24, factor: 5) == (4, 6))
    }

    @Test func lokrInitialisationZeroesTheFactorPeftZeroes() throws {
        var generator = RandomGenerator(seed: 1)
        let shape = LoKrShape(outFeatures: 32, inFeatures: 32, r: 1, decomposeBoth: true, decomposeFactor: -1)
        #expect(!shape.fullW1 && !shape.fullW2)
        func zeroed(_ initialization: LoKrConfig.Initialization) -> [String] {
            shape.initialFactors(initialization, generator: &generator).filter { $0.value.scalars.allSatisfy { $0 == 0 } }.map(\.name)
        }
        #expect(zeroed(.standard) == ["lokr_w1_a"])
        #expect(zeroed(.lycoris) == ["lokr_w2_b"])
        #expect(zeroed(.random).isEmpty)
    }

    @Test func dropoutsActOnlyWhileTraining() throws {
        let fixture = try FixtureCase("loha_llama")
        var config = try LoHaConfig(json: JSONValue.parse(Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName)), path: "config"))
        config.lycoris.moduleDropout = 1
        config.initWeights = false
        config.base.inferenceMode = false
        let model = try fixture.loadBase()
        let peft = try PeftModel(model: model, config: config)
        let adapted = try fixture.output(of: peft)
        let base = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        #expect(adapted.scalars != base.scalars)
        model.setTraining(true)
        defer { model.setTraining(false) }
        // module_dropout 1 skips every adapter in training: the base output.
        #expect(try fixture.output(of: peft).scalars == base.scalars)
    }

    @Test func rankDropoutZeroesRowsAndRescalesTheRest() throws {
        var config = LoHaConfig(r: 2, alpha: 2, targetModules: .names(["q_proj"]))
        config.initWeights = false
        config.lycoris.rankDropout = 0.5
        let model = try FixtureCase("loha_llama").loadBase()
        let peft = try PeftModel(model: model, config: config)
        let layer = try #require(peft.adapterLayers.first?.layer as? LoHaLinear)
        let delta = try layer.deltaWeight(of: "default")
        model.setTraining(true)
        defer { model.setTraining(false) }
        let x = Tensor(shape: [layer.inFeatures, layer.inFeatures], data: (0 ..< layer.inFeatures * layer.inFeatures).map { $0 % (layer.inFeatures + 1) == 0 ? 1 : 0 })
        let base = try layer.baseForward(x)
        let rows = try (layer.forward(x) - base).transposed()
        let (out, inputs) = (layer.outFeatures, layer.inFeatures)
        let kept = (0 ..< out).filter { row in (0 ..< inputs).contains { rows.scalars[row * inputs + $0] != 0 } }
        #expect(!kept.isEmpty && kept.count < out)
        let factor = Float(out) / Float(kept.count)
        for row in kept {
            for column in 0 ..< inputs {
                let expected = delta.scalars[row * inputs + column] * factor
                #expect(abs(rows.scalars[row * inputs + column] - expected) <= 1e-5 * max(1, abs(expected)))
            }
        }
    }

    @Test func nonLinearTargetsAndMisshapenFilesAreRefusedClearly() throws {
        let gpt2 = try FixtureCase("lora_gpt2_c_attn").loadBase()
        let loha = TunerErrorTests.message { _ = try PeftModel(model: gpt2, config: LoHaConfig(targetModules: .names(["c_attn"]))) }
        #expect(loha.contains("transformer.h.0.attn.c_attn") && loha.contains("Conv1D") && loha.contains("LoHa") && loha.contains("only Linear"))
        let embedding = TunerErrorTests.message { _ = try PeftModel(model: FixtureCase("lokr_llama").loadBase(), config: LoKrConfig(targetModules: .names(["embed_tokens"]))) }
        #expect(embedding.contains("model.embed_tokens") && embedding.contains("LoKr"))
        // A LoKr adapter made for other shapes: the decomposed file on a model where w1 is full.
        let fixture = try FixtureCase("lokr_llama")
        let folder = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in [AdapterFiles.weightsFileName] {
            try FileManager.default.copyItem(at: FixtureCase("lokr_llama_decompose").folder("adapter").appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        try FileManager.default.copyItem(at: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName), to: folder.appendingPathComponent(AdapterFiles.configFileName))
        let mismatch = TunerErrorTests.message { _ = try PeftModel.fromPretrained(fixture.loadBase(), directory: folder) }
        #expect(mismatch.contains("does not fit the model") && mismatch.contains("lokr_w1"))
    }

    @Test(arguments: [
        (#"{"peft_type": "LOHA", "r": 0}"#, "r"), (#"{"peft_type": "LOKR", "rank_dropout": 1.5}"#, "rank_dropout"),
        (#"{"peft_type": "LOKR", "init_weights": "gaussian"}"#, "init_weights"), (#"{"peft_type": "LOHA", "alpha": "big"}"#, "alpha"),
        (#"{"peft_type": "LOHA", "layers_pattern": "layers"}"#, "layers_pattern"), (#"{"peft_type": "LOKR", "decompose_both": 1}"#, "decompose_both"),
        (#"{"peft_type": "LOHA", "task_type": "CAUSAL"}"#, "task_type"), (#"{"peft_type": "LOKR", "task_type": 1}"#, "task_type"),
    ])
    func invalidConfigsAreRefusedNamingTheField(_ text: String, field: String) {
        let message = TunerErrorTests.message { _ = try PeftConfigs.read(jsonData: Data(text.utf8), source: "config") }
        #expect(message.hasPrefix("config: \(field):"), "\(message)")
    }

    @Test func lycorisConfigsHaveTheirOwnKeysAndNoLorasKeys() throws {
        let loha = try #require(LoHaConfig().json.members?.map(\.key))
        let lokr = try #require(LoKrConfig().json.members?.map(\.key))
        for keys in [loha, lokr] {
            #expect(keys.contains("alpha") && keys.contains("rank_dropout") && keys.contains("module_dropout") && keys.contains("init_weights"))
            #expect(!keys.contains("lora_alpha") && !keys.contains("bias") && !keys.contains("lora_dropout"))
        }
        #expect(Set(lokr).subtracting(loha) == ["decompose_both", "decompose_factor", "rank_dropout_scale"])
    }
}

/// Compact JSON text of a Foundation JSON value, for comparing configs key by key.
enum ConfigJSON {
    static func text(_ value: Any?) -> String {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
