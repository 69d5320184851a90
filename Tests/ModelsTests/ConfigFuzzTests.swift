import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// Damaged `config.json` files of every architecture, a few thousand with fixed seeds: each one
/// builds a model (shapes only) or throws a `ModelError`, never crashes or hangs.
@Suite struct ConfigFuzzTests {
    static let cases = ["base_gpt2", "base_llama", "base_bert", "base_qwen2", "base_qwen3", "base_mistral", "base_gemma3", "base_phi3",
                        "base_llama_rope_llama3", "base_llama_rope_yarn", "base_llama_rope_linear"]

    /// Values a damaged config may hold where a good one has something else.
    static let replacements: [Any] = [NSNull(), "x", "sliding_attention", true, false, -1, 0, 1, 2, 3, 7, 0.5, 2.5, -0.5, 1e30, -1e30,
                                      Int.max, Int.min, 1 << 40, [Any](), ["full_attention"], ["a", 1], [String: Any](),
                                      ["rope_type": "yarn"], ["rope_type": "dynamic", "factor": 2], ["rope_type": "linear", "factor": 1e30]]

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// One random damage to `values` or to a dictionary inside it (`rope_parameters`).
    static func mutate(_ values: [String: Any], _ g: inout Generator, depth: Int = 0) -> [String: Any] {
        var values = values
        let keys = values.keys.sorted()
        guard !keys.isEmpty else { return values }
        let key = keys[g.next(keys.count)]
        if depth == 0, let nested = values[key] as? [String: Any], g.next(2) == 0 {
            values[key] = mutate(nested, &g, depth: 1)
        } else if g.next(4) == 0 {
            values[key] = nil
        } else {
            values[key] = replacements[g.next(replacements.count)]
        }
        return values
    }

    @Test(arguments: cases)
    func damagedConfigsBuildOrAreRefused(_ name: String) throws {
        let url = FixtureCase.root.appendingPathComponent("\(name)/base/config.json")
        let original = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var g = Generator(state: UInt64(name.utf8.reduce(7) { $0 &* 31 &+ Int($1) }.magnitude))
        var (built, refused) = (0, 0)
        for round in 0 ..< 300 {
            var values = original
            for _ in 0 ... g.next(3) { values = Self.mutate(values, &g) }
            do {
                let model = try ModelLoader.build(config: ConfigReader(plain: values, path: "config.json"), factory: ParameterFactory(.meta))
                _ = model.parameterCounts()
                built += 1
            } catch is ModelError {
                refused += 1
            } catch {
                Issue.record("\(name) round \(round): unexpected error \(error)")
            }
        }
        #expect(built > 0 && refused > 0, "\(name): \(built) built, \(refused) refused")
    }

    @Test func randomAndTruncatedBytesAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-config-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = try Data(contentsOf: FixtureCase.root.appendingPathComponent("base_gemma3/base/config.json"))
        var g = Generator(state: 99)
        for round in 0 ..< 200 {
            var bytes = [UInt8](good)
            if round % 2 == 0 { bytes = Array(bytes.prefix(g.next(bytes.count))) } else { for _ in 0 ..< 4 { bytes[g.next(bytes.count)] = UInt8(g.next(256)) } }
            let file = folder.appendingPathComponent("config.json")
            try Data(bytes).write(to: file)
            do {
                _ = try ModelLoader.build(config: ConfigReader(contentsOf: file), factory: ParameterFactory(.meta))
            } catch is ModelError {
            } catch {
                Issue.record("round \(round): unexpected error \(error)")
            }
        }
    }
}
