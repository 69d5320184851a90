import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `init_eva_llama`, `init_corda_llama_ipm`, `init_corda_llama_kpm`: the data-driven inits on the
/// case's calibration data, compared with PEFT in their sign-free forms (projectors, B·A, residuals)
/// and, for EVA, the counts of its calibration loop exactly.
@Suite struct DataDrivenInitializationTests {
    /// The config the case was made with (`case.json` `peft_config`).
    static func inputConfig(_ fixture: FixtureCase) throws -> LoraConfig {
        let json = try #require(fixture.caseInfo["peft_config"])
        return try LoraConfig(jsonData: JSONSerialization.data(withJSONObject: json), source: "peft_config")
    }

    /// The case's `calibration.safetensors` as batches: `[batches, batch, length]` tensors give one
    /// batch each, `[rows, length]` one batch per row.
    static func calibration(_ fixture: FixtureCase) throws -> Calibration {
        let file = try SafeTensorsFile(contentsOf: fixture.folder("calibration.safetensors"))
        let shape = try #require(file.info(named: "input_ids")).shape
        let (count, batch, length) = shape.count == 3 ? (shape[0], shape[1], shape[2]) : (shape[0], 1, shape[1])
        func rows(_ name: String) throws -> [Int]? { file.info(named: name) == nil ? nil : try file.integers(named: name) }
        let (ids, mask, labels) = (try #require(try rows("input_ids")), try rows("attention_mask"), try rows("labels"))
        let size = batch * length
        return Calibration(batches: try (0 ..< count).map { i in
            let part = { (values: [Int]) in Array(values[i * size ..< (i + 1) * size]) }
            return CalibrationBatch(input: try ModelInput(ids: part(ids), batch: batch, length: length, attentionMask: mask.map(part)), labels: labels.map(part))
        })
    }

    static func matrix(_ m: Float64Matrix) -> Tensor { m.tensor }

    @Test func evaMatchesPeftsLoopRanksAndComponents() throws {
        let fixture = try FixtureCase("init_eva_llama")
        let config = try Self.inputConfig(fixture)
        let json = try #require(try fixture.expectedJSON["eva"] as? [String: Any])
        let state = try EvaInitialization.stateDict(fixture.loadBase(), config: config, calibration: Self.calibration(fixture))
        #expect(state.forwardPasses == json["calibration_forward_passes"] as? Int)
        #expect(Set(state.pca.keys) == Set(try #require(json["svd_layers"] as? [String])))
        #expect(state.equalInputs == json["equal_inputs"] as? [String: String])
        #expect(state.pca.mapValues(\.fits) == json["partial_fit_calls"] as? [String: Int])
        #expect(state.pca.mapValues(\.samplesSeen) == json["samples_seen"] as? [String: Int])
        #expect(Dictionary(uniqueKeysWithValues: state.components.map { ($0.name, $0.a.rows) }) == json["ranks"] as? [String: Int])
        for (name, pca) in state.pca {
            #expect(try fixture.mismatch(Tensor(shape: [pca.explainedVarianceRatio.count], data: pca.explainedVarianceRatio.map { Float($0) }), expectedName: "explained_variance_ratio.\(name)") == nil)
            #expect(try fixture.mismatch(Tensor(shape: [pca.singularValues.count], data: pca.singularValues.map { Float($0) }), expectedName: "singular_values.\(name)") == nil)
        }
        let saved = try SafeTensorsFile(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.weightsFileName))
        for (name, a) in state.components where a.rows > 0 {
            #expect(try fixture.mismatch(a.tensor.matmul(a.tensor, transposeSelf: true), expectedName: "projector.\(name)") == nil)
            let peftA = try saved.tensor(named: "base_model.model.\(name).lora_A.weight")
            #expect(zip(a.tensor.scalars, peftA.scalars).allSatisfy { abs($0 - $1) <= 1e-4 + 1e-4 * abs($1) }, "\(name): lora_A with svd_flip's signs")
        }
    }

    @Test func evaModelHasPeftsConfigAndChangesNothingAtStart() throws {
        let fixture = try FixtureCase("init_eva_llama")
        let peft = try PeftModel.initialized(model: fixture.loadBase(), config: Self.inputConfig(fixture), calibration: Self.calibration(fixture))
        let json = try fixture.expectedJSON, eva = try #require(json["eva"] as? [String: Any])
        let config = try #require(peft.configs["default"] as? LoraConfig)
        #expect(config.initLoraWeights == .eva)
        #expect(config.targetModules == .names(try #require(eva["saved_target_modules"] as? [String])))
        #expect(Dictionary(uniqueKeysWithValues: config.rankPattern.map { ($0.key, $0.value) }) == eva["saved_rank_pattern"] as? [String: Int])
        #expect(Dictionary(uniqueKeysWithValues: config.alphaPattern.map { ($0.key, $0.value) }) == eva["saved_alpha_pattern"] as? [String: Double])
        #expect(try config.evaConfig() == EvaConfig(json: .object([("rho", .number(2)), ("tau", .number(0.99))])))
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        // PEFT's saved adapter (init_lora_weights "eva") loads as it is.
        #expect(try fixture.mismatch(fixture.output(of: fixture.loadAdapted()), expectedName: "logits_adapted") == nil)
    }

    @Test(arguments: ["init_corda_llama_ipm", "init_corda_llama_kpm"])
    func cordaMatchesPeftsCovarianceProductAndResidual(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let config = try Self.inputConfig(fixture)
        let model = try fixture.loadBase()
        let targets = try LinearTarget.all(of: config, in: model)
        let covariances = try CordaCovariance.covariances(model, targets: targets, config: config.cordaConfig(), calibration: Self.calibration(fixture))
        let perModule = try #require(try fixture.expectedJSON["per_module"] as? [String: [String: Any]])
        for target in targets {
            let covariance = try #require(covariances[target.name])
            #expect(try fixture.mismatch(covariance, expectedName: "covariance.\(target.name)") == nil)
            let r = try #require(perModule[target.name]?["r"] as? Int)
            let (eigens, damp) = try CordaInitialization.decomposition(weight: target.outInWeight(), covariance: covariance, r: r,
                                                                        method: config.cordaConfig().method, module: target.name)
            #expect(damp == perModule[target.name]?["damp"] as? Double)
            #expect(try fixture.mismatch(eigens.s, expectedName: "singular_values.\(target.name)") == nil)
        }
        let peft = try PeftModel.initialized(model: model, config: config, calibration: Self.calibration(fixture))
        #expect(peft.wrappedModuleNames == (try fixture.expectedJSON["wrapped_modules"] as? [String]))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        for module in try fixture.expectedNames(withPrefix: "ba.") {
            let (a, b, base) = try SvdInitializationTests.parts(peft, module)
            #expect(try fixture.mismatch(b.matmul(a), expectedName: "ba.\(module)") == nil)
            #expect(try fixture.mismatch(base, expectedName: "residual.\(module).weight") == nil)
        }
        #expect(peft.configs["default"].map { ($0 as? LoraConfig)?.initLoraWeights == .corda } == true)
    }

    @Test func cordaWritesAndReusesItsCacheAndCovarianceFiles() throws {
        let fixture = try FixtureCase("init_corda_llama_ipm")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-corda-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try Self.inputConfig(fixture)
        let (cache, covariance) = (folder.appendingPathComponent("a/cache.safetensors").path, folder.appendingPathComponent("b/cov.safetensors").path)
        config.passiveFields = config.passiveFields.map { $0.key == "corda_config" ? ($0.key, .object([("cache_file", .string(cache)), ("covariance_file", .string(covariance))])) : $0 }
        let first = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: Self.calibration(fixture))
        #expect(FileManager.default.fileExists(atPath: cache) && FileManager.default.fileExists(atPath: covariance))
        // With the cache in place no calibration is needed, and the result is the same.
        let again = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: nil)
        for module in try fixture.expectedNames(withPrefix: "ba.") {
            #expect(try SvdInitializationTests.parts(first, module).base.scalars == SvdInitializationTests.parts(again, module).base.scalars)
        }
        // From the covariances alone (no cache), too.
        try FileManager.default.removeItem(atPath: cache)
        let fromCovariance = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: nil)
        #expect(try fixture.mismatch(fixture.output(of: fromCovariance), expectedName: "logits_adapted") == nil)
        // A file PEFT wrote with torch.save is refused with a message.
        try FileManager.default.removeItem(atPath: cache)
        try FileManager.default.removeItem(atPath: covariance)
        try Data("PK\u{3}\u{4}torch".utf8).write(to: URL(fileURLWithPath: covariance))
        let error = try #require(throws: TunerError.self) { _ = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: nil) }
        #expect("\(error)".contains("torch.save"), "\(error)")
    }

    @Test func aStoppedPassLeavesTheModelUnchanged() throws {
        for name in ["init_eva_llama", "init_corda_llama_kpm"] {
            let fixture = try FixtureCase(name)
            let model = try fixture.loadBase()
            let before = model.namedModules().map { ObjectIdentifier($0.module) }
            var calibration = try Self.calibration(fixture)
            var forwards = 0
            calibration.report = { _ in forwards += 1 }
            calibration.shouldStop = { forwards >= 2 }
            #expect(throws: CalibrationStopped.self) { _ = try PeftModel.initialized(model: model, config: Self.inputConfig(fixture), calibration: calibration) }
            #expect(model.namedModules().map { ObjectIdentifier($0.module) } == before, "\(name): every layer is back in place")
        }
    }

    @Test func badDataDrivenConfigsAreRefusedWithTheirReason() throws {
        let fixture = try FixtureCase("init_eva_llama")
        let base = try #require(fixture.caseInfo["peft_config"] as? [String: Any])
        func refusal(_ change: (inout [String: Any]) -> Void) throws -> String {
            var json = base
            change(&json)
            let error = try #require(throws: TunerError.self) {
                let config = try LoraConfig(jsonData: JSONSerialization.data(withJSONObject: json), source: "config")
                _ = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: Self.calibration(fixture))
            }
            return "\(error)"
        }
        #expect(try refusal { $0["eva_config"] = ["rho": 0.5] }.contains("`rho` must be >= 1.0"))
        #expect(try refusal { $0["eva_config"] = ["tau": 1.5] }.contains("`tau` must be between 0.0 and 1.0"))
        #expect(try refusal { $0["eva_config"] = ["rank": 4] }.contains("has no field \"rank\""))
        #expect(try refusal { $0["eva_config"] = ["whiten": "yes"] }.contains("whiten"))
        #expect(try refusal { $0["eva_config"] = "fast" }.contains("must be an object"))
        #expect(try refusal { $0["init_lora_weights"] = true }.contains("eva_config is only used with init_lora_weights=\"eva\""))
        #expect(try refusal { $0["init_lora_weights"] = "corda"; $0["eva_config"] = nil; $0["corda_config"] = ["corda_method": "xpm"] }.contains("it should be 'ipm' or 'kpm'"))
        #expect(try refusal { $0["r"] = 32 }.contains("n_features=32"))
        let missing = try #require(throws: TunerError.self) { _ = try PeftModel.initialized(model: fixture.loadBase(), config: Self.inputConfig(fixture), calibration: nil) }
        #expect("\(missing)".contains("--data"), "\(missing)")
        // CorDA runs one row per forward, as PEFT's hook needs.
        var corda = base
        corda["init_lora_weights"] = "corda"
        corda["eva_config"] = nil
        let batched = try #require(throws: TunerError.self) {
            _ = try PeftModel.initialized(model: fixture.loadBase(), config: LoraConfig(jsonData: JSONSerialization.data(withJSONObject: corda), source: "config"),
                                          calibration: Self.calibration(fixture))
        }
        #expect("\(batched)".contains("--batch-size 1"), "\(batched)")
        // A CorDA adapter cannot be made without its calibration.
        let unprepared = try #require(throws: TunerError.self) {
            _ = try PeftModel(model: fixture.loadBase(), config: LoraConfig(jsonData: JSONSerialization.data(withJSONObject: corda), source: "config"))
        }
        #expect("\(unprepared)".contains("lorakit init --data"), "\(unprepared)")
    }
}
