import Foundation
import Testing
@testable import Tuners

/// Damaged `eva_config`, `corda_config`, `lora_ga_config` and `loftq_config` objects, a few hundred each with fixed seeds: each is
/// read or refused with a `TunerError`, never a crash or a hang.
@Suite struct DataDrivenConfigFuzzTests {
    static let replacements: [Any] = [NSNull(), "x", "ipm", "kpm", "ArB2r", "A2rBr", "weight_svd", 4, 8, 16, "", true, false, -1, 0, 1, 2, 0.5, 1.5, -100, 1e30, Int.max, Int.min,
                                      [Any](), ["a"], [String: Any](), ["rho": 2]]

    @Test(arguments: [("eva", "eva_config", ["rho", "tau", "use_label_mask", "label_mask_value", "whiten", "adjust_scaling_factors"]),
                      ("corda", "corda_config", ["cache_file", "covariance_file", "corda_method", "verbose", "use_float16_for_covariance", "prune_temporary_fields"]),
                      ("lora_ga", "lora_ga_config", ["direction", "scale", "stable_gamma"]),
                      ("loftq", "loftq_config", ["loftq_bits", "loftq_iter"])])
    func damagedSubConfigsAreReadOrRefused(_ initName: String, _ field: String, _ keys: [String]) throws {
        var state = UInt64(field.utf8.count)
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var (read, refused) = (0, 0)
        for round in 0 ..< 300 {
            var sub: [String: Any] = [:]
            for _ in 0 ..< next(4) {
                let key = next(8) == 0 ? "unknown" : keys[next(keys.count)]
                sub[key] = Self.replacements[next(Self.replacements.count)]
            }
            let value: Any = next(12) == 0 ? Self.replacements[next(Self.replacements.count)] : sub
            let json: [String: Any] = ["r": 4, "init_lora_weights": next(6) == 0 ? true : initName, field: value]
            do {
                let config = try LoraConfig(jsonData: JSONSerialization.data(withJSONObject: json), source: "config")
                _ = try config.evaConfig()
                _ = try config.cordaConfig()
                _ = try config.loraGAConfig()
                read += 1
            } catch is TunerError {
                refused += 1
            } catch {
                Issue.record("\(field) round \(round): unexpected error \(error)")
            }
        }
        #expect(read > 0 && refused > 0)
    }
}
