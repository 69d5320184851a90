import FixtureSupport
import Foundation
import Models
import Testing
@testable import Tuners

/// Damaged LoHa and LoKr `adapter_config.json` files, a few hundred per case with fixed seeds: each
/// one is read and wraps the model, or is refused with a `TunerError`; never a crash or a hang.
@Suite struct LycorisConfigFuzzTests {
    static let replacements: [Any] = [NSNull(), "x", "(", "lycoris", true, false, -1, 0, 1, 2, 3, 0.5, 1.5, -0.5, 1e30, Int.max, Int.min,
                                      1 << 40, [Any](), ["q_proj"], ["a", 1], [String: Any](), ["q_proj": 2], ["(": 1], ["v_proj": "x"]]

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test(arguments: ["loha_llama", "lokr_llama", "lokr_llama_decompose"])
    func damagedConfigsWrapOrAreRefused(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let text = try Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.configFileName))
        let original = try JSONSerialization.jsonObject(with: text) as! [String: Any]
        let keys = original.keys.sorted() + ["unknown_key"]
        var g = Generator(state: UInt64(name.utf8.reduce(11) { $0 &* 31 &+ Int($1) }.magnitude))
        var (wrapped, refused) = (0, 0)
        for round in 0 ..< 200 {
            var values = original
            for _ in 0 ... g.next(3) {
                let key = keys[g.next(keys.count)]
                values[key] = g.next(5) == 0 ? nil : Self.replacements[g.next(Self.replacements.count)]
            }
            do {
                let data = try JSONSerialization.data(withJSONObject: values)
                let config = try PeftConfigs.read(jsonData: data, source: "config")
                _ = try PeftModel(model: fixture.loadBase(), config: config)
                wrapped += 1
            } catch is TunerError {
                refused += 1
            } catch {
                Issue.record("\(name) round \(round): unexpected error \(error)")
            }
        }
        #expect(wrapped > 0 && refused > 0)
    }

    @Test func randomBytesAreRefused() {
        var g = Generator(state: 5)
        for _ in 0 ..< 200 {
            let bytes = (0 ..< g.next(64)).map { _ in UInt8(g.next(256)) }
            let text = #"{"peft_type": "LOKR", "#.utf8 + bytes
            #expect(throws: TunerError.self) { _ = try PeftConfigs.read(jsonData: Data(text), source: "config") }
        }
    }
}
