import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// The adapter inspector against figures taken from the fixture files themselves: ranks and
/// scalings from the adapter configs (and PEFT's per-module record), `‖ΔW‖` from PEFT's saved
/// deltas and from the saved factors, `‖W‖` from the base checkpoint, the intruder scan from
/// PEFT's cosines and the intruders `case.json` says were planted.
@Suite struct AdapterInspectionTests {
    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// `‖M‖_F` in Float64 over the raw values.
    static func frobenius(_ tensor: Tensor) -> Double { tensor.scalars.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    /// `scaling · B · A` from the saved factors of `module`, by plain loops.
    static func savedDelta(_ file: SafeTensorsFile, module: String, scaling: Double) throws -> [Double] {
        let a = try file.tensor(named: "base_model.model.\(module).lora_A.weight"), b = try file.tensor(named: "base_model.model.\(module).lora_B.weight")
        let (r, n, m) = (a.shape[0], a.shape[1], b.shape[0])
        let av = a.scalars, bv = b.scalars
        return (0 ..< m * n).map { index in
            let (row, column) = (index / n, index % n)
            return scaling * (0 ..< r).reduce(0.0) { $0 + Double(bv[row * r + $1]) * Double(av[$1 * n + column]) }
        }
    }

    static func close(_ a: Double, _ b: Double, rtol: Double = 1e-4) -> Bool { abs(a - b) <= 1e-6 + rtol * abs(b) }

    @Test func intrudersCaseShowsThePlantedIntrudersAndPeftsFigures() throws {
        let fixture = try FixtureCase("intruders_llama")
        let call = try #require(fixture.caseInfo["call"] as? [String: Any])
        let topK = try #require(call["top_k"] as? Int), epsilon = try #require(call["threshold_epsilon"] as? NSNumber).floatValue
        let config = try Self.json(fixture.folder("adapter").appendingPathComponent("adapter_config.json"))
        let r = try #require(config["r"] as? Int), alpha = try #require(config["lora_alpha"] as? NSNumber).doubleValue
        let planted = try #require((fixture.caseInfo["planted"] as? [String: Any])?["modules"] as? [String: [String: Any]])
        let expectedIntruders = try #require(fixture.expectedJSON["intruders"] as? [String: [Int]])
        let factors = try SafeTensorsFile(contentsOf: fixture.folder("adapter").appendingPathComponent("adapter_model.safetensors"))
        let checkpoint = try SafeTensorsFile(contentsOf: fixture.folder("base").appendingPathComponent("model.safetensors"))

        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"))
        let inspections = try peft.inspect("default", topK: topK, epsilon: epsilon)
        #expect(Set(inspections.map(\.module)) == Set(expectedIntruders.keys))
        for m in inspections {
            #expect(m.rank == r && m.alpha == alpha && m.scaling == alpha / Double(r), "\(m.module)")
            let a = try #require(factors.info(named: "base_model.model.\(m.module).lora_A.weight")), b = try #require(factors.info(named: "base_model.model.\(m.module).lora_B.weight"))
            #expect(m.parameterCount == a.elementCount + b.elementCount)
            let peftDelta = try fixture.expected.tensor(named: "delta.\(m.module)")
            #expect(m.shape == peftDelta.shape)
            #expect(Self.close(m.spectrum.frobeniusNorm, Self.frobenius(peftDelta)), "\(m.module): \(m.spectrum.frobeniusNorm)")
            let saved = try Self.savedDelta(factors, module: m.module, scaling: alpha / Double(r))
            #expect(Self.close(m.spectrum.frobeniusNorm, saved.reduce(0) { $0 + $1 * $1 }.squareRoot()))
            // The factor-core spectrum is the spectrum of PEFT's dense delta.
            let direct = try Linalg.svd(peftDelta).s.scalars
            #expect(m.spectrum.singularValues.count == r)
            for (mine, theirs) in zip(m.spectrum.singularValues, direct) { #expect(Self.close(Double(mine), Double(theirs), rtol: 1e-3)) }
            #expect(Self.close(m.baseNorm ?? 0, Self.frobenius(try checkpoint.tensor(named: "\(m.module).weight"))))
            let scan = try #require(m.intruders)
            #expect(try fixture.mismatch(Tensor(shape: [scan.cosines.count], data: scan.cosines), expectedName: "cos_sim.\(m.module)") == nil)
            #expect(scan.intruders == expectedIntruders[m.module], "\(m.module)")
            #expect(scan.intruders.count == (planted[m.module]?["factors_of_sigma1"] as? [Double])?.count ?? 0, "\(m.module)")
            #expect(m.before == nil)
        }
    }

    @Test func theReducedAdapterIsComparedWithItsOriginal() throws {
        let fixture = try FixtureCase("intruders_llama")
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter_reduced"), adapterName: "reduced")
        try peft.loadAdapter(directory: fixture.folder("adapter"), name: "original")
        let module = "model.layers.1.mlp.up_proj"
        let m = try #require(try peft.inspect("reduced", modules: [module], before: [("original", 1)]).first)
        let config = try Self.json(fixture.folder("adapter").appendingPathComponent("adapter_config.json"))
        let scaling = try #require(config["lora_alpha"] as? NSNumber).doubleValue / Double(try #require(config["r"] as? Int))
        let old = try Self.savedDelta(SafeTensorsFile(contentsOf: fixture.folder("adapter").appendingPathComponent("adapter_model.safetensors")), module: module, scaling: scaling)
        let new = try Self.savedDelta(SafeTensorsFile(contentsOf: fixture.folder("adapter_reduced").appendingPathComponent("adapter_model.safetensors")), module: module, scaling: scaling)
        let before = try #require(m.before)
        let oldNorm = old.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(Self.close(before.spectrum.frobeniusNorm, oldNorm))
        #expect(Self.close(before.relativeChange, zip(new, old).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / oldNorm))
        // The reduction removed part of both intruders, so the reduced delta is smaller.
        #expect(m.spectrum.frobeniusNorm < before.spectrum.frobeniusNorm)
        #expect(before.intruders?.intruders == (try fixture.expectedJSON["intruders"] as? [String: [Int]])?[module])
        #expect(throws: TunerError.self) { try peft.inspect("reduced", modules: ["model.layers.9.mlp.up_proj"]) }
    }

    @Test func aCatCombinationEqualsTheWeightedSumOfItsInputs() throws {
        let fixture = try FixtureCase("weighted_cat")
        let weights = try #require(fixture.caseInfo["weights"] as? [Double])
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter"), adapterName: "combined")
        try peft.loadAdapter(directory: fixture.folder("adapter_first"), name: "first")
        try peft.loadAdapter(directory: fixture.folder("adapter_second"), name: "second")
        let inspections = try peft.inspect("combined", before: [("first", weights[0]), ("second", weights[1])])
        #expect(!inspections.isEmpty)
        for m in inspections { #expect(try #require(m.before).relativeChange < 1e-5, "\(m.module)") }
    }

    @Test func theFolderAloneGivesPeftsRanksAlphasAndScalings() throws {
        let fixture = try FixtureCase("lora_llama_patterns")
        let perModule = try #require(fixture.expectedJSON["per_module"] as? [String: [String: Any]])
        let file = try LoraAdapterFile(folder: fixture.folder("adapter"))
        #expect(Set(file.modules.map(\.name)) == Set(perModule.keys))
        let peft = try fixture.loadAdapted()
        let withBase = Dictionary(uniqueKeysWithValues: try peft.inspect("default").map { ($0.module, $0) })
        for module in file.modules {
            let expected = try #require(perModule[module.name])
            #expect(module.rank == expected["r"] as? Int, "\(module.name)")
            #expect(module.alpha == (expected["lora_alpha"] as? NSNumber)?.doubleValue, "\(module.name)")
            #expect(module.scaling == (expected["scaling"] as? NSNumber)?.doubleValue, "\(module.name)")
            let inspected = try #require(withBase[module.name])
            #expect(inspected.rank == module.rank && inspected.alpha == module.alpha && inspected.scaling == module.scaling)
            #expect(inspected.parameterCount == module.parameterCount)
            #expect(Self.close(inspected.spectrum.frobeniusNorm, Self.frobenius(try module.delta.dense())))
        }
    }

    @Test func spectrumFigures() {
        let equal = DeltaSpectrum([2, 2, 2, 2]), single = DeltaSpectrum([3, 0, 0])
        #expect(abs(equal.effectiveRank - 4) < 1e-9 && abs(single.effectiveRank - 1) < 1e-9)
        #expect(equal.numericalRank == 4 && single.numericalRank == 1 && DeltaSpectrum([0, 0]).numericalRank == 0)
        #expect(abs(equal.frobeniusNorm - 4) < 1e-9 && abs(equal.energy(inTop: 1) - 0.25) < 1e-9)
    }

    @Test func otherMethodsAndDoraNeedTheBaseModel() throws {
        for name in ["loha_llama", "dora_llama"] {
            let error = try #require(throws: TunerError.self) { try LoraAdapterFile(folder: FixtureCase(name).folder("adapter")) }
            #expect("\(error)".contains("--model"), "\(name): \(error)")
        }
        let loha = try FixtureCase("loha_llama").loadAdapted()
        let inspections = try loha.inspect("default")
        #expect(!inspections.isEmpty && inspections.allSatisfy { $0.rank == nil && $0.spectrum.frobeniusNorm > 0 && $0.intruders != nil })
    }

    /// Random and mutated adapter folders: an error, never a crash.
    @Test func malformedFoldersAreRefused() throws {
        let folder = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try FixtureCase("intruders_llama").folder("adapter")
        let config = try Data(contentsOf: source.appendingPathComponent("adapter_config.json"))
        var generator = RandomGenerator(seed: 7)
        func random(_ bound: Int) -> Int { Int(generator.nextUnitFloat() * Float(bound)) % max(bound, 1) }
        let names = ["base_model.model.m.lora_A.weight", "base_model.model.m.lora_B.weight", "base_model.model.n.lora_A.weight",
                     "base_model.model.e.lora_embedding_B", "other.weight"]
        for trial in 0 ..< 60 {
            var tensors: [String: Tensor] = [:]
            for _ in 0 ..< random(4) + 1 {
                let shape = (0 ..< random(3) + 1).map { _ in random(5) }
                tensors[names[random(names.count)]] = Tensor.zeros(shape)
            }
            try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("adapter_model.safetensors"))
            var text = config
            if trial % 3 == 0 { text[random(text.count)] = UInt8(random(256)) }
            try text.write(to: folder.appendingPathComponent("adapter_config.json"))
            guard let file = try? LoraAdapterFile(folder: folder) else { continue }
            for m in file.modules {
                _ = try? ModuleInspection(module: m.name, adapter: "default", delta: m.delta, base: nil, rank: m.rank, alpha: m.alpha,
                                          scaling: m.scaling, parameterCount: m.parameterCount)
            }
        }
        try Data("not json".utf8).write(to: folder.appendingPathComponent("adapter_config.json"))
        #expect(throws: (any Error).self) { try LoraAdapterFile(folder: folder) }
    }
}
