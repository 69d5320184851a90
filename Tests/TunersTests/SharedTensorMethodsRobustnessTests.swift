import JSON
import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// VB-LoRA and RandLoRA beyond the fixtures: GPT-2's `Conv1D` layout, and damaged or random user
/// files (configs, the compact top-k adapter file), which must load or be refused, never crash.
@Suite struct SharedTensorMethodsRobustnessTests {
    static func randomVBLoRA() -> any PeftConfig {
        VBLoRAConfig(r: 2, numVectors: 8, vectorLength: 8, targetModules: .names(["c_attn", "c_proj"]))
    }

    static func randomRandLoRA() -> any PeftConfig {
        var config = RandLoRAConfig(r: 4, randloraAlpha: 8, targetModules: .names(["c_attn", "c_proj"]))
        config.initWeights = false
        return config
    }

    @Test(arguments: [randomVBLoRA(), randomRandLoRA()] as [any PeftConfig])
    func conv1DLayersAdaptAndMergeInTheirLayout(_ config: any PeftConfig) throws {
        let fixture = try FixtureCase("lora_gpt2_c_attn")
        let peft = try PeftModel(model: fixture.loadBase(), config: config)
        #expect(peft.warnings.contains { $0.contains("setting fan_in_fan_out to true") })
        let layer = try #require(peft.adapterLayers.first { $0.name.hasSuffix("attn.c_attn") }?.layer as? TunerLayer)
        #expect(layer.layout == .inOut)
        #expect(try layer.deltaWeight(of: "default").shape == layer.weight.value().shape)
        let adapted = try fixture.output(of: peft)
        let base = try peft.withAdaptersDisabled { try fixture.output(of: peft) }
        try peft.mergeAdapter()
        let merged = try fixture.output(of: peft)
        #expect(zip(adapted.scalars, base.scalars).contains { abs($0 - $1) > 1e-3 })
        #expect(zip(adapted.scalars, merged.scalars).allSatisfy { abs($0 - $1) <= 1e-4 + 1e-4 * abs($1) })
    }

    /// Random JSON values under every VB-LoRA and RandLoRA key: each config reads or is refused with a `TunerError`.
    @Test func randomConfigsReadOrAreRefused() throws {
        var generator = RandomGenerator(seed: 14)
        let values: [JSONValue] = [.null, .bool(true), .bool(false), .int(0), .int(-3), .int(7), .int(1 << 40), .double(0.5), .double(-1),
                                   .string("none"), .string("vblora_only"), .string("randlora_only"), .array([.int(1)]), .object([])]
        let keys = ["r", "num_vectors", "vector_length", "topk", "save_only_topk_weights", "vblora_dropout", "bias", "init_vector_bank_bound",
                    "init_logits_std", "randlora_alpha", "randlora_dropout", "sparse", "very_sparse", "save_projection", "projection_prng_key",
                    "init_weights", "fan_in_fan_out", "target_modules", "exclude_modules", "layers_to_transform", "layers_pattern"]
        var (read, refused) = (0, 0)
        for round in 0 ..< 2000 {
            let type = round % 2 == 0 ? "VBLORA" : "RANDLORA"
            let members = (0 ..< Int(generator.next() % 5)).map { _ in
                (keys[Int(generator.next() % UInt64(keys.count))], values[Int(generator.next() % UInt64(values.count))])
            }
            do {
                _ = try PeftConfigs.config(json: .object([("peft_type", .string(type))] + members))
                read += 1
            } catch is TunerError {
                refused += 1
            }
        }
        #expect(read > 100 && refused > 100)
    }

    /// A size typed too large is refused before anything is allocated.
    @Test func hugeSizesAreRefusedBeforeAllocating() throws {
        let model = try FixtureCase("vblora_llama").loadBase()
        let bank = TunerErrorTests.message { _ = try PeftModel(model: model, config: VBLoRAConfig(r: 4, numVectors: 1 << 30, vectorLength: 8, targetModules: .names(["q_proj"]))) }
        #expect(bank.contains("num_vectors") && bank.contains("vector bank"), "\(bank)")
        let bases = TunerErrorTests.message { _ = try PeftModel(model: model, config: RandLoRAConfig(r: 1 << 30, targetModules: .names(["q_proj"]))) }
        #expect(bases.contains("randlora_A") && bases.contains("smaller r"), "\(bases)")
    }

    /// The compact top-k file with bytes changed at random: loading gives an adapter or an error.
    @Test func damagedTopkFilesLoadOrAreRefused() throws {
        let fixture = try FixtureCase("vblora_llama_topk_save")
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        let original = try [UInt8](Data(contentsOf: fixture.folder("adapter").appendingPathComponent(AdapterFiles.weightsFileName)))
        let headerEnd = 8 + original.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        var generator = RandomGenerator(seed: 41)
        var (loaded, refused) = (0, 0)
        for round in 0 ..< 400 {
            var bytes = original
            for _ in 0 ..< 1 + Int(generator.next() % 4) {
                let inHeader = round % 3 == 0
                let position = inHeader ? 8 + Int(generator.next() % UInt64(headerEnd - 8)) : headerEnd + Int(generator.next() % UInt64(bytes.count - headerEnd))
                bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                try peft.loadAdapterState(SafeTensorsFile(bytes: bytes, name: "fuzz"), adapter: "default")
                loaded += 1
            } catch is TunerError {
                refused += 1
            } catch is SafeTensorsError {
                refused += 1
            }
        }
        #expect(loaded > 10 && refused > 10)
    }
}
