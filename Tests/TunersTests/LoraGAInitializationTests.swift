import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// The `init_loraga_*` cases through the library: the estimated gradients and their singular
/// values, the choice of components, and the model's output at init.
@Suite struct LoraGAInitializationTests {
    static let cases = ["init_loraga_llama", "init_loraga_arbr_llama", "init_loraga_a2rbr_llama"]

    /// The case's `calibration.safetensors`, `[batches, batch, length]`, one batch per leading index.
    static func calibration(_ fixture: FixtureCase) throws -> Calibration {
        let file = try SafeTensorsFile(contentsOf: fixture.folder("calibration.safetensors"))
        let shape = try #require(file.info(named: "input_ids")?.shape)
        let (ids, mask, labels) = (try file.integers(named: "input_ids"), try file.integers(named: "attention_mask"), try file.integers(named: "labels"))
        let size = shape[1] * shape[2]
        return Calibration(batches: try (0 ..< shape[0]).map { i in
            let rows = i * size ..< (i + 1) * size
            return CalibrationBatch(input: try ModelInput(ids: Array(ids[rows]), batch: shape[1], length: shape[2], attentionMask: Array(mask[rows])),
                                    labels: Array(labels[rows]))
        })
    }

    static func config(_ fixture: FixtureCase) throws -> LoraConfig {
        var config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.inferenceMode = false
        return config
    }

    @Test(arguments: cases)
    func gradientsAndTheirSingularValuesArePefts(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let model = try fixture.loadBase(), config = try Self.config(fixture)
        let gradients = try LoraGAGradients.estimate(model, targets: LinearTarget.all(of: config, in: model), calibration: Self.calibration(fixture))
        let modules = try fixture.expectedNames(withPrefix: "grad.")
        #expect(Set(gradients.keys) == Set(modules))
        for module in modules {
            let gradient = try #require(gradients[module])
            #expect(try fixture.mismatch(gradient, expectedName: "grad.\(module)") == nil)
            let expected = try fixture.expected.tensor(named: "grad_singular_values.\(module)")
            let values = Tensor(shape: expected.shape, data: Array(try Linalg.svd(gradient).s.scalars.prefix(expected.count)))
            #expect(try fixture.mismatch(values, expectedName: "grad_singular_values.\(module)") == nil)
        }
        // The gradients leave the model as it was: nothing trains, nothing holds a gradient.
        #expect(model.namedParameters().allSatisfy { !$0.parameter.requiresGrad && $0.parameter.tensor?.grad == nil })
    }

    @Test(arguments: cases)
    func initialisedModelKeepsTheOutputAndPicksPeftsComponents(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let peft = try PeftModel.initialized(model: fixture.loadBase(), config: Self.config(fixture), calibration: Self.calibration(fixture))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        let perModule = try #require((json["loraga"] as? [String: Any])?["per_module"] as? [String: [String: Any]])
        let settings = try #require(try Self.config(fixture).loraGAConfig())
        var generator = RandomGenerator(seed: 0)
        for (module, expected) in perModule {
            let r = try #require(expected["r"] as? Int)
            let (a, b) = LoraGAInitialization.components(settings.direction, r: r, generator: &generator)
            #expect(a == expected["a_components"] as? [Int] && b == expected["b_components"] as? [Int], "\(module)")
        }
        #expect(try (peft.configs["default"] as? LoraConfig)?.initLoraWeights == .loraGA)
    }

    /// `direction: random` (no fixture: PEFT draws from torch's global generator): the same r of the
    /// first 2r triplets for A and B, so each pair keeps its SVD sign and the product is sign-free;
    /// the output is unchanged at init and A's rows are orthonormal.
    @Test func randomDirectionKeepsTheOutputAndPairsTheTriplets() throws {
        let fixture = try FixtureCase(Self.cases[0])
        var config = try Self.config(fixture)
        config.passiveFields = config.passiveFields.map { $0.key == "lora_ga_config" ? ($0.key, .object([("direction", .string("random"))])) : $0 }
        let model = try fixture.loadBase()
        let gradients = try LoraGAGradients.estimate(model, targets: LinearTarget.all(of: config, in: model), calibration: Self.calibration(fixture))
        let peft = try PeftModel.initialized(model: fixture.loadBase(), config: config, calibration: Self.calibration(fixture), seed: 5)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        for (name, layer) in peft.adapterLayers {
            let layer = try #require(layer as? LoraLinear), adapter = try #require(layer.adapter("default"))
            let (a, b) = (try adapter.a.weight.value(), try adapter.b.weight.value())
            let r = a.shape[0]
            let gram = try a.matmul(a, transposeOther: true).scalars
            #expect((0 ..< r * r).allSatisfy { abs(gram[$0] - ($0 % (r + 1) == 0 ? 1 : 0)) < 1e-4 }, "\(name)")
            // Each pair is one triplet: Bᵢ Aᵢ = c · σᵢ uᵢ vᵢᵀ, so G · Aᵢᵀ = σᵢ uᵢ ∝ Bᵢ (same sign).
            let projected = try #require(gradients[name]).matmul(a, transposeOther: true).scalars, bValues = b.scalars
            for i in 0 ..< r {
                let dot = (0 ..< b.shape[0]).reduce(Float(0)) { $0 + projected[$1 * r + i] * bValues[$1 * r + i] }
                #expect(dot > 0, "\(name) pair \(i)")
            }
        }
    }
}
