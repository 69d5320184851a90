import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// AdaLoRA adapters in PEFT's files: an adapter PEFT saved with a `rank_pattern` (its tensors
/// shrunk to the kept ranks) loads with each module resized and gives PEFT's output, and saving it
/// again writes what PEFT wrote.
@Suite struct AdaLoraSaveLoadTests {
    static let name = "adalora_llama_schedule"

    @Test func aShrunkAdapterLoadsResizedAndSavesAsPeft() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try fixture.loadAdapted()
        let json = try fixture.expectedJSON
        let config = try #require(peft.configs["default"] as? AdaLoraConfig)
        let finalRanks = try #require(json["final_ranks"] as? [String: Int])
        for (module, rank) in finalRanks {
            let layer = try #require(peft.adapterLayers.first { $0.name == module }?.layer as? AdaLoraLinear)
            #expect(layer.rank(of: "default") == rank, "\(module)")
            if rank > 0 { #expect(try layer.triplet("default")!.ranknum.value().item == Float(config.initR)) }
        }
        #expect(peft.trainableParameters.allSatisfy { !$0.name.contains("ranknum") })
        #expect(!peft.trainableParameters.isEmpty)
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_final") == nil)

        let out = try SaveLoadTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        try peft.savePretrained(directory: out)
        let weights = AdapterFiles.weightsFileName
        #expect(try SaveLoadTests.layout(out.appendingPathComponent(weights)) == SaveLoadTests.layout(fixture.folder("adapter").appendingPathComponent(weights)))
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(AdapterFiles.configFileName))) as! [String: Any]
        #expect(written["rank_pattern"] as? [String: [Bool]] == json["final_rank_pattern"] as? [String: [Bool]])
        let reloaded = try PeftModel.fromPretrained(fixture.loadBase(), directory: out)
        #expect(try fixture.mismatch(fixture.output(of: reloaded), expectedName: "logits_final") == nil)
    }

    @Test func theStartingAdapterLoadsAtFullRank() throws {
        let fixture = try FixtureCase(Self.name)
        let peft = try PeftModel.fromPretrained(fixture.loadBase(), directory: fixture.folder("adapter_init"))
        #expect(try fixture.mismatch(fixture.output(of: peft), expectedName: "logits_init") == nil)
        #expect(peft.trainableAdaLoraAdapter == nil, "loaded for inference")
        #expect(TunerErrorTests.message { _ = try RankAllocator(peft: peft, adapter: "default") }.contains("inference"))
    }
}
