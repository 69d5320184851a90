import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `init_gaussian_llama`, `init_default_llama`: a fresh adapter's weights follow PEFT's
/// distributions (checked statistically) and leave the output unchanged.
@Suite struct InitializationTests {
    /// Mean, standard deviation and largest magnitude of a tensor.
    static func statistics(_ t: Tensor) -> (mean: Double, std: Double, maxAbs: Double) {
        let values = t.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return (mean, variance.squareRoot(), values.map(abs).max() ?? 0)
    }

    /// Checks a sample against an expected mean and std: mean within 5 standard errors, std within 35%.
    static func expectDistribution(_ t: Tensor, mean: Double, std: Double, _ what: String) {
        let s = statistics(t)
        #expect(abs(s.mean - mean) <= 5 * std / Double(t.count).squareRoot(), "\(what) mean \(s.mean)")
        #expect(abs(s.std - std) <= 0.35 * std, "\(what) std \(s.std)")
    }

    @Test(arguments: ["init_gaussian_llama", "init_default_llama"])
    func freshAdaptersFollowPeftsInitialisation(_ name: String) throws {
        let fixture = try FixtureCase(name)
        var config = try LoraConfig(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        config.inferenceMode = false
        let peft = try PeftModel(model: fixture.loadBase(), config: config, seed: 7)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_base") == nil)
        let json = try fixture.expectedJSON
        #expect(peft.wrappedModuleNames == json["wrapped_modules"] as? [String])
        #expect(peft.trainableParameterCounts == fixture.expectedCounts(json["trainable_parameters"]))
        let statistics = try #require(json["statistics"] as? [String: [String: Any]])
        for (module, expected) in statistics {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            let parameters = Dictionary(uniqueKeysWithValues: layer.adapterParameters(of: "default").map { ($0.name, try! $0.parameter.value()) })
            if expected["type"] as? String == "embedding" {
                let a = try #require(parameters["lora_embedding_A.default"]), b = try #require(parameters["lora_embedding_B.default"])
                #expect(a.shape == expected["lora_embedding_A_shape"] as? [Int] && b.shape == expected["lora_embedding_B_shape"] as? [Int])
                #expect(a.scalars.allSatisfy { $0 == 0 })
                Self.expectDistribution(b, mean: (expected["B_expected_mean"] as! NSNumber).doubleValue,
                                        std: (expected["B_expected_std"] as! NSNumber).doubleValue, "\(module) B")
                continue
            }
            let a = try #require(parameters["lora_A.default.weight"]), b = try #require(parameters["lora_B.default.weight"])
            #expect(a.shape == expected["lora_A_shape"] as? [Int] && b.shape == expected["lora_B_shape"] as? [Int])
            #expect(b.scalars.allSatisfy { $0 == 0 })
            let std = (expected["A_expected_std"] as! NSNumber).doubleValue
            Self.expectDistribution(a, mean: (expected["A_expected_mean"] as? NSNumber)?.doubleValue ?? 0, std: std, "\(module) A")
            if let bound = (expected["A_expected_bound"] as? NSNumber)?.doubleValue {
                #expect(Self.statistics(a).maxAbs <= bound)
            }
        }
    }
}
