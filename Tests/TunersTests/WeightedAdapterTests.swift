import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `add_weighted_adapter` against PEFT's `weighted_<type>` cases: the combined adapter's logits,
/// deltas (sign-free for the SVD types), factors (the others), config and per-module ranks; and
/// PEFT's refusals.
@Suite struct WeightedAdapterTests {
    static let cases = ["weighted_linear", "weighted_cat", "weighted_svd", "weighted_ties", "weighted_ties_svd", "weighted_magnitude_prune"]

    /// The case's base model with its source adapters loaded under their names, in case.json order.
    static func sources(_ fixture: FixtureCase) throws -> (PeftModel, [String]) {
        let adapters = try MultiAdapterTests.adapters(fixture)
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder(adapters[0].folder), adapterName: adapters[0].name)
        for (name, folder) in adapters.dropFirst() { try peft.loadAdapter(directory: fixture.folder(folder), name: name) }
        return (peft, adapters.map(\.name))
    }

    /// The case's `add_weighted_adapter` call as options.
    static func options(_ fixture: FixtureCase) throws -> WeightedAdapterOptions {
        let kwargs = fixture.caseInfo["add_weighted_adapter_kwargs"] as? [String: Any] ?? [:]
        var options = WeightedAdapterOptions(combinationType: try CombinationType(named: try #require(fixture.caseInfo["combination_type"] as? String)))
        options.density = (kwargs["density"] as? NSNumber)?.doubleValue
        options.svdRank = (kwargs["svd_rank"] as? NSNumber)?.intValue
        options.svdClamp = (kwargs["svd_clamp"] as? NSNumber)?.doubleValue
        if let method = kwargs["majority_sign_method"] as? String { options.majoritySignMethod = try #require(MajoritySignMethod(rawValue: method)) }
        return options
    }

    @Test(arguments: cases)
    func combinedAdapterMatchesPeft(_ name: String) throws {
        let fixture = try FixtureCase(name)
        let (peft, adapters) = try Self.sources(fixture)
        let newName = try #require(fixture.caseInfo["new_adapter_name"] as? String)
        let weights = try #require(fixture.caseInfo["weights"] as? [Double])
        let report = try peft.addWeightedAdapter(adapters, weights: weights, adapterName: newName, options: Self.options(fixture))
        try peft.setAdapter(newName)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_adapted") == nil)

        let expected = try #require(fixture.expectedJSON[newName] as? [String: Any])
        let config = try #require(peft.configs[newName] as? LoraConfig)
        #expect(config.r == expected["r"] as? Int)
        #expect(config.loraAlpha == (expected["lora_alpha"] as? NSNumber)?.doubleValue)
        guard case let .names(targets)? = config.targetModules else { Issue.record("targets \(String(describing: config.targetModules))"); return }
        #expect(targets.sorted() == expected["target_modules"] as? [String])
        #expect(peft.wrappedModuleNames(of: newName) == expected["wrapped_modules"] as? [String])
        let ranks = try #require(expected["per_module_rank"] as? [String: Int])
        #expect(Dictionary(uniqueKeysWithValues: report.modules.map { ($0.name, $0.rank) }) == ranks)

        let signFree = fixture.caseInfo["sign_ambiguous"] as? Bool ?? true
        for module in try fixture.expectedNames(withPrefix: "delta.") {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer)
            #expect(try fixture.mismatch(layer.deltaWeight(of: newName), expectedName: "delta.\(module)") == nil)
            guard !signFree else { continue }
            let factors = try #require(LoraFactors.of(newName, on: layer))
            #expect(try fixture.mismatch(factors.a.value(), expectedName: "\(newName).\(module).lora_A") == nil)
            #expect(try fixture.mismatch(factors.b.value(), expectedName: "\(newName).\(module).lora_B") == nil)
        }
    }

    @Test func catIsExactEvenWithNegativeWeightsAndSvdCompresses() throws {
        let fixture = try FixtureCase("weighted_cat")
        let (peft, adapters) = try Self.sources(fixture)
        let cat = try peft.addWeightedAdapter(adapters, weights: [0.9, -0.6], adapterName: "cat", options: .init(combinationType: .cat))
        #expect(cat.modules.allSatisfy { $0.relativeError < 1e-5 })
        let svd = try peft.addWeightedAdapter(adapters, weights: [0.9, -0.6], adapterName: "svd", options: .init(combinationType: .svd, svdRank: 2))
        #expect(svd.rank == 2 && svd.modules.allSatisfy { $0.rank == 2 })
        #expect(svd.modules.contains { $0.relativeError > 1e-3 })
        let again = try peft.addWeightedAdapter(adapters, weights: [0.9, -0.6], adapterName: "svd4", options: .init(combinationType: .svd))
        // Where one rank-4 adapter is alone, rank 4 holds its delta exactly; where both are, it is a truncation.
        #expect(again.modules.filter { !$0.name.hasSuffix("q_proj") }.allSatisfy { $0.relativeError < 1e-4 })
        #expect(again.modules.filter { $0.name.hasSuffix("q_proj") }.allSatisfy { $0.relativeError > 1e-3 })
    }

    @Test func aSingleNegativeWeightNegatesTheAdapter() throws {
        let fixture = try FixtureCase("weighted_linear")
        let (peft, adapters) = try Self.sources(fixture)
        let report = try peft.addWeightedAdapter([adapters[0]], weights: [-1], adapterName: "negated", options: .init(combinationType: .svd))
        #expect(report.combinationType == .linear)
        for (_, layer) in peft.adapterLayers where layer.adapterNames.contains(adapters[0]) {
            let sum = try layer.deltaWeight(of: "negated") + layer.deltaWeight(of: adapters[0])
            #expect(sum.scalars.allSatisfy { abs($0) < 1e-5 })
        }
    }

    @Test func svdClampBoundsTheFactorsByTheQuantile() throws {
        #expect(PeftModel.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(PeftModel.quantile([4, 1, 3, 2], 1) == 4)
        let fixture = try FixtureCase("weighted_svd")
        let (peft, adapters) = try Self.sources(fixture)
        try peft.addWeightedAdapter(adapters, weights: [0.7, 0.4], adapterName: "clamped", options: .init(svdClamp: 0.9))
        for (_, layer) in peft.adapterLayers {
            let factors = try #require(LoraFactors.of("clamped", on: layer))
            let values = try factors.a.value().scalars + factors.b.value().scalars
            let high = PeftModel.quantile(values, 1)
            #expect(values.allSatisfy { abs($0) <= high })
            #expect(values.filter { $0 == high }.count > 1, "some values were clamped to the bound")
        }
    }

    @Test func refusalsSayWhy() throws {
        let fixture = try FixtureCase("weighted_linear")
        let (peft, adapters) = try Self.sources(fixture)
        #expect(throws: TunerError.self) { try peft.addWeightedAdapter(["nope"], weights: [1], adapterName: "x") }
        #expect(throws: TunerError.self) { try peft.addWeightedAdapter(adapters, weights: [1], adapterName: "x") }
        #expect(throws: TunerError.self) { try peft.addWeightedAdapter(adapters, weights: [1, 1], adapterName: "x", options: .init(combinationType: .ties)) }
        #expect(throws: TunerError.self) { try peft.addWeightedAdapter(adapters, weights: [1, 1], adapterName: adapters[0]) }
        #expect(peft.adapterNames == adapters)

        let ranks = try PeftModel(model: fixture.loadBase(), config: LoraConfig(r: 2, targetModules: .names(["q_proj"])), adapterName: "a")
        try ranks.addAdapter("b", config: LoraConfig(r: 4, targetModules: .names(["q_proj"])))
        #expect(throws: TunerError.self) { try ranks.addWeightedAdapter(["a", "b"], weights: [1, 1], adapterName: "x", options: .init(combinationType: .linear)) }
        #expect(try ranks.addWeightedAdapter(["a", "b"], weights: [1, 1], adapterName: "x", options: .init(combinationType: .cat)).rank == 6)
        #expect(ranks.adapterNames == ["a", "b", "x"])

        let loha = try FixtureCase("loha_llama").loadAdapted()
        let error = try #require(throws: TunerError.self) { try loha.addWeightedAdapter(["default"], weights: [1], adapterName: "x") }
        #expect("\(error)".contains("no attribute 'add_weighted_adapter'"))
        let adalora = try FixtureCase("adalora_llama_forward").loadAdapted()
        let refusal = try #require(throws: TunerError.self) { try adalora.addWeightedAdapter(["default"], weights: [1], adapterName: "x") }
        #expect("\(refusal)".contains("AdaLoraModel does not support add_weighted_adapter method."))
    }
}
