import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `init_pissa_llama`, `init_olora_llama`, `init_orthogonal_llama`, `init_pissa_niter_llama`: the
/// inits that read (and for PiSSA/OLoRA replace) the base weight, compared in their sign-free forms.
@Suite struct SvdInitializationTests {
    /// A fresh PEFT model of the case's saved config (as `get_peft_model` builds it).
    /// The init is the one `case.json` names (a saved initial adapter says `true`).
    static func fresh(_ fixture: FixtureCase, seed: UInt64 = 3) throws -> PeftModel {
        var config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.inferenceMode = false
        let named = try #require((fixture.caseInfo["peft_config"] as? [String: Any])?["init_lora_weights"] as? String)
        config.initLoraWeights = try LoraInitialization(json: .string(named))
        return try PeftModel(model: fixture.loadBase(), config: config, seed: seed)
    }

    /// `lora_A`, `lora_B` and the base weight (`[out, in]`) of the adapted module `module`.
    static func parts(_ peft: PeftModel, _ module: String) throws -> (a: Tensor, b: Tensor, base: Tensor) {
        let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer as? LoraLinear)
        let parameters = Dictionary(uniqueKeysWithValues: layer.adapterParameters(of: "default").map { ($0.name, $0.parameter) })
        return (try #require(parameters["lora_A.default.weight"]).value(), try #require(parameters["lora_B.default.weight"]).value(),
                try layer.outInWeight())
    }

    @Test(arguments: ["init_pissa_llama", "init_olora_llama"])
    func residualProductAndOutputMatchPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try Self.fresh(fixture)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        let modules = try fixture.expectedNames(withPrefix: "ba.")
        #expect(!modules.isEmpty)
        for module in modules {
            let (a, b, base) = try Self.parts(peft, module)
            #expect(try fixture.mismatch(b.matmul(a), expectedName: "ba.\(module)") == nil)
            #expect(try fixture.mismatch(base, expectedName: "residual.\(module).weight") == nil)
            if try fixture.expected.info(named: "singular_values.\(module)") != nil {
                let scaling = Float(try #require(peft.configs["default"] as? LoraConfig).scaling(r: a.shape[0], alpha: 8))
                let diagonal = try a.matmul(a, transposeOther: true)
                let r = a.shape[0]
                let values = Tensor(shape: [r], data: (0 ..< r).map { diagonal.scalars[$0 * r + $0] * scaling })
                #expect(try fixture.mismatch(values, expectedName: "singular_values.\(module)") == nil)
            }
        }
    }

    /// PEFT's `from_pretrained` re-runs a data-free init named in the saved config on the base
    /// first, so the saved A, B reproduce the original model.
    @Test(arguments: ["init_pissa_llama", "init_olora_llama"])
    func loadingTheSavedAdapterRerunsTheInitOnTheBase(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        for module in try fixture.expectedNames(withPrefix: "ba.") {
            #expect(try fixture.mismatch(Self.parts(peft, module).base, expectedName: "residual.\(module).weight") == nil)
        }
    }

    @Test func orthogonalHasPeftsProperties() throws {
        let fixture = try FixtureCase("init_orthogonal_llama")
        let peft = try Self.fresh(fixture)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let properties = try #require(try fixture.expectedJSON["properties"] as? [String: Any])
        let perModule = try #require(properties["per_module"] as? [String: [String: Any]])
        for (module, expected) in perModule {
            let (a, b, _) = try Self.parts(peft, module)
            #expect(a.shape == expected["lora_A_shape"] as? [Int] && b.shape == expected["lora_B_shape"] as? [Int])
            #expect(try b.matmul(a).scalars.allSatisfy { abs($0) < 1e-6 })
            #expect(a.scalars.contains { $0 != 0 } && b.scalars.contains { $0 != 0 })
            #expect(try Self.numericalRank(a) == expected["rank_A"] as? Int)
            #expect(try Self.numericalRank(b) == expected["rank_B"] as? Int)
        }
        var config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.r = 3
        #expect(throws: TunerError.self) { try PeftModel(model: fixture.loadBase(), config: config) }
    }

    @Test func randomisedPissaHasTheExactAndStatisticalProperties() throws {
        let fixture = try FixtureCase("init_pissa_niter_llama")
        let original = try fixture.loadBase()
        let weights = Dictionary(uniqueKeysWithValues: original.namedParameters().map { ($0.name, $0.parameter) })
        let peft = try Self.fresh(fixture, seed: 11)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let properties = try #require(try fixture.expectedJSON["properties"] as? [String: Any])
        let perModule = try #require(properties["per_module"] as? [String: [String: Any]])
        #expect(!perModule.isEmpty)
        for (module, expected) in perModule {
            let (a, b, residual) = try Self.parts(peft, module)
            let scaling = Float(try #require((expected["scaling"] as? NSNumber)?.doubleValue))
            let w = try #require(weights["\(module).weight"]).value()
            let rebuilt = try residual + b.matmul(a).scaled(by: scaling)
            #expect(zip(rebuilt.scalars, w.scalars).allSatisfy { abs($0 - $1) <= 1e-5 + 1e-4 * abs($1) }, "\(module) residual + scaling·BA")
            let aat = try a.matmul(a, transposeOther: true), btb = try b.matmul(b, transposeSelf: true)
            let r = a.shape[0]
            let exact = try fixture.expected.tensor(named: "singular_values.\(module)").scalars
            let bounds = try #require((expected["bounds"] as? [String: Any])?["relative_sv_error_max"] as? [Double])
            for i in 0 ..< r {
                for j in 0 ..< r where i != j { #expect(abs(aat.scalars[i * r + j]) < 1e-5 && abs(btb.scalars[i * r + j]) < 1e-5) }
                #expect(abs(aat.scalars[i * r + i] - btb.scalars[i * r + i]) <= 1e-5 * max(1, aat.scalars[i * r + i]))
                let kept = aat.scalars[i * r + i] * scaling
                #expect(kept <= exact[i] * (1 + 1e-5), "\(module) kept singular value \(i)")
                #expect(Double((exact[i] - kept) / exact[i]) <= bounds[i], "\(module) singular value \(i): \(kept) vs \(exact[i])")
            }
        }
    }

    @Test func pissaRefusesARankAboveTheWeights() throws {
        let fixture = try FixtureCase("init_pissa_llama")
        var config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.r = 17
        let error = try #require(throws: TunerError.self) { try PeftModel(model: fixture.loadBase(), config: config) }
        #expect("\(error)".contains("r is 17") && "\(error)".contains("16 × 32"), "\(error)")
    }

    /// The number of singular values above 1e-6 of the largest.
    static func numericalRank(_ t: Tensor) throws -> Int {
        let s = try Linalg.svd(t).s.scalars
        return s.filter { $0 > 1e-6 * (s.first ?? 0) }.count
    }
}
