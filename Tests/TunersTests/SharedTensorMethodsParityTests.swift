import JSON
import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// VB-LoRA and RandLoRA, the methods whose adapters share tensors across their layers: PEFT's saved
/// adapters reproduce PEFT's outputs, deltas, merges, wrapped modules, trainable counts and keys;
/// the shared bank or bases exist once per adapter, are saved once (RandLoRA's also per layer, as
/// PEFT saves them) and go with their adapter.
@Suite struct SharedTensorMethodsParityTests {
    static let cases = ["vblora_llama", "randlora_llama"]

    @Test(arguments: cases)
    func adaptedDisabledAndMergedOutputsMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try fixture.loadAdapted()
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(peft.adapterStateEntries("default").keys.sorted() == json["adapter_keys"] as? [String])
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
        let logits = try GradMode.withoutGradients { try #require(merged.forward(fixture.input()).logits) }
        #expect(try fixture.mismatch(logits, expectedName: "logits_merged") == nil)
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
        let again = try fixture.output(of: PeftModel.fromPretrained(fixture.loadBase(), directory: out))
        #expect(again.scalars == adapted.scalars)
    }

    @Test(arguments: cases + ["vblora_llama_topk_save"])
    func freshAdaptersWrapCountAndShareAsPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        var config = try PeftConfigs.read(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.base.inferenceMode = false
        let peft = try PeftModel(model: fixture.loadBase(), config: config)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        let shared = try #require(peft.configs["default"]?.sharedTensors)
        #expect(!shared.isEmpty)
        // Every layer holds the adapter's one shared object; the model lists a trainable one once.
        let names = peft.model.namedParameters().filter { entry in shared.contains { $0.parameter === entry.parameter } }.map(\.name)
        #expect(names.count == shared.filter(\.trains).count)
        let summary = try #require(peft.sharedTensorSummary(of: "default"))
        #expect(summary.hasSuffix("shared by the \(peft.wrappedModuleNames.count) layers of default"))
        #expect(summary.hasPrefix(shared[0].name + " \(shared[0].parameter.shape)") && summary.contains(shared[0].trains ? "· trains ·" : "· frozen ·"))
        if name.hasPrefix("randlora") {
            // PEFT's default initialisation leaves the output unchanged (VB-LoRA starts with random logits).
            #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_base") == nil)
            let layers = peft.adapterLayers.compactMap { $0.layer as? RandLoRALinear }
            #expect(layers.count == peft.adapterLayers.count && layers.allSatisfy { $0.settings["default"]!.bases.a === shared[0].parameter })
        }
    }

    @Test func topkFileReloadsToPeftsLogitsAndRefusesTraining() throws {
        let fixture = try FixtureCase("vblora_llama_topk_save")
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_reloaded") == nil)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        for module in try fixture.expectedNames(withPrefix: "delta.") {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            #expect(try fixture.mismatch(layer.deltaWeight(of: "default"), expectedName: "delta.\(module)") == nil)
        }
        try peft.mergeAdapter()
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_merged") == nil)
        try peft.unmergeAdapter()
        peft.model.setTraining(true)
        let message = TunerErrorTests.message { _ = try peft.forward(fixture.input()) }
        #expect(message.contains("save_only_topk_weights") && message.contains("cannot be trained"), "\(message)")
    }

    @Test func topkSaveWritesPeftsCompactFormAndReloads() throws {
        let fixture = try FixtureCase("vblora_llama")
        let peft = try fixture.loadAdapted()
        let adapted = try fixture.output(of: peft)
        var config = try #require(peft.configs["default"] as? VBLoRAConfig)
        config.saveOnlyTopkWeights = true
        let out = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let file = out.appendingPathComponent(AdapterFiles.weightsFileName)
        try SafeTensorsWriter.write(config.savedTensors(peft.adapterStateEntries("default").mapValues { try $0.value() }, adapter: "default"), to: file)
        try config.write(to: out)
        let expected = try #require(FixtureCase("vblora_llama_topk_save").expectedJSON["adapter_tensors"] as? [String: [String: Any]])
        let saved = try SafeTensorsFile(contentsOf: file)
        #expect(Set(saved.names) == Set(expected.keys))
        for info in saved.tensorInfos {
            #expect(info.dtype.rawValue == expected[info.name]?["dtype"] as? String && info.shape == expected[info.name]?["shape"] as? [Int], "\(info.name)")
        }
        let again = try fixture.output(of: PeftModel.fromPretrained(fixture.loadBase(), directory: out))
        #expect(again.shape == adapted.shape && zip(again.scalars, adapted.scalars).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func eachAdapterHasItsOwnSharedTensorsThroughAddSwitchAndDelete() throws {
        let fixture = try FixtureCase("vblora_llama")
        var config = VBLoRAConfig(r: 2, numVectors: 8, vectorLength: 8, targetModules: .names(["q_proj", "v_proj"]))
        let peft = try PeftModel(model: fixture.loadBase(), config: config)
        config.targeting.targetModules = .names(["v_proj"])
        try peft.addAdapter("other", config: config)
        let first = try #require(peft.configs["default"]?.sharedTensors.first?.parameter)
        let second = try #require(peft.configs["other"]?.sharedTensors.first?.parameter)
        #expect(first !== second)
        #expect(first.requiresGrad && !second.requiresGrad)
        try peft.setAdapter("other")
        #expect(!first.requiresGrad && second.requiresGrad)
        let bankCount = 8 * 8
        let before = peft.trainableParameterCounts.total
        try peft.deleteAdapter("default")
        #expect(!peft.model.namedParameters().contains { $0.parameter === first })
        #expect(peft.model.namedParameters().contains { $0.parameter === second })
        #expect(peft.adapterStateEntries("other").keys.contains("base_model.vblora_vector_bank"))
        let logitsOfDefault = 2 * (2 * 4 * 8 + 4 * 2 * 8) + 2 * (2 * 4 * 8 + 2 * 2 * 8)
        #expect(before - peft.trainableParameterCounts.total == bankCount + logitsOfDefault)
    }

    @Test func theBankGathersEveryLayersGradient() throws {
        let fixture = try FixtureCase("vblora_llama")
        let peft = try fixture.loadAdapted()
        let bank = try #require(peft.configs["default"]?.sharedTensors.first?.parameter).value()
        func gradient(active layers: Set<String>) throws -> [Float] {
            bank.zeroGrad()
            for (name, layer) in peft.adapterLayers { layer.adaptersDisabled = !layers.contains(name) }
            let logits = try #require(peft.forward(fixture.input()).logits)
            try logits.sum().backward()
            return bank.grad?.scalars ?? []
        }
        let all = try gradient(active: Set(peft.wrappedModuleNames))
        let one = try gradient(active: [peft.wrappedModuleNames[0]])
        #expect(all.count == bank.count && one.count == bank.count && all != one)
    }

    @Test(arguments: [
        (#"{"peft_type": "VBLORA", "topk": 0}"#, "topk"), (#"{"peft_type": "VBLORA", "num_vectors": 2, "topk": 3}"#, "topk"),
        (#"{"peft_type": "VBLORA", "bias": "lora_only"}"#, "bias"), (#"{"peft_type": "VBLORA", "vblora_dropout": 1}"#, "vblora_dropout"),
        (#"{"peft_type": "RANDLORA", "save_projection": false}"#, "save_projection"), (#"{"peft_type": "RANDLORA", "r": -1}"#, "r"),
        (#"{"peft_type": "RANDLORA", "sparse": "yes"}"#, "sparse"), (#"{"peft_type": "RANDLORA", "bias": "vblora_only"}"#, "bias"),
    ])
    func invalidConfigsAreRefusedNamingTheField(_ text: String, field: String) {
        let message = TunerErrorTests.message { _ = try PeftConfigs.read(jsonData: Data(text.utf8), source: "config") }
        #expect(message.hasPrefix("config: \(field):"), "\(message)")
    }

    @Test func randloraWithoutSavedBasesSaysWhy() {
        let message = TunerErrorTests.message { _ = try RandLoRAConfig(json: JSONValue.parse(Data(#"{"save_projection": false}"#.utf8), path: "c")) }
        #expect(message.contains("projection_prng_key") && message.contains("bit for bit") && message.contains("save_projection=True"))
    }

    @Test(arguments: [false, true])
    func sparseBasesAreTernaryAndStandardised(_ verySparse: Bool) throws {
        var config = RandLoRAConfig(r: 4, randloraAlpha: 8, targetModules: .names(["q_proj", "v_proj"]))
        config.sparse = !verySparse
        config.verySparse = verySparse
        let peft = try PeftModel(model: FixtureCase("randlora_llama").loadBase(), config: config)
        for shared in try #require(peft.configs["default"]?.sharedTensors) {
            let values = try shared.parameter.value().scalars
            let levels = Set(values)
            #expect(levels.count <= 3 && levels.contains(0) && levels.allSatisfy { $0 == 0 || abs(abs($0) - abs(levels.max()!)) < 1e-6 })
            let mean = values.reduce(0, +) / Float(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count - 1)
            #expect(abs(variance - 1) < 1e-4)
        }
    }
}
