import FixtureSupport
import Foundation
import Models
import Tensors
import Testing
@testable import Tuners

/// `PeftModel.writeMerged`, the one merged export (`lorakit merge`, the workbench's `export`): the
/// file `merge_and_unload` + the writer make, written a layer at a time, with the model's adapters
/// and base weights as they were afterwards.
@Suite struct WriteMergedTests {
    typealias State = [(name: String, bits: [UInt32], packed: FrozenWeight?)]

    /// Every parameter's name with its values' bits and packed storage, to compare before and after.
    static func state(of peft: PeftModel) throws -> State {
        try peft.model.namedParameters().map { ($0.name, try $0.parameter.value().scalars.map(\.bitPattern), $0.parameter.frozen) }
    }

    /// Whether every parameter has the same values, bit for bit, and the same packed storage object.
    static func unchanged(_ before: State, _ after: State) -> Bool {
        before.count == after.count && zip(before, after).allSatisfy { $0.name == $1.name && $0.bits == $1.bits && $0.packed === $1.packed }
    }

    @Test(arguments: ["merge_lora_gpt2", "merge_dora_llama", "merge_loha_llama", "lora_llama_layer_replication", "lora_llama_trainable_tokens",
                      "lora_bert_seq_cls", "lora_gpt2_bias_all"])
    func isTheFileOfMergeAndUnloadAndLeavesTheModelAsItWas(_ name: String) throws {
        let fixture = try FixtureCase(name), scratch = try ScratchFolder()
        let peft = try fixture.loadAdapted()
        let before = try Self.state(of: peft), adapted = try fixture.output(of: peft), adapters = peft.adapterNames
        let files = try peft.writeMerged(to: scratch.folder("streamed"), configFrom: fixture.folder("base"))
        #expect(files.last == SafeTensorsCheckpoint.singleFileName && files.contains("config.json"))

        let whole = try fixture.loadAdapted()
        try MergedModelWriter.write(whole.mergeAndUnload(), configFrom: fixture.folder("base"), to: scratch.folder("whole"))
        for file in files {
            let streamed = try Data(contentsOf: scratch.folder("streamed").appendingPathComponent(file))
            #expect(streamed == (try Data(contentsOf: scratch.folder("whole").appendingPathComponent(file))), "\(name): \(file)")
        }
        #expect(Self.unchanged(before, try Self.state(of: peft)), "\(name): the base weights changed")
        #expect(peft.adapterLayers.allSatisfy { !$0.layer.isMerged } && peft.adapterNames == adapters && !adapters.isEmpty)
        #expect(try fixture.output(of: peft).scalars == adapted.scalars, "\(name): the adapted output changed")
    }

    @Test func aPackedSessionExportsItsMergeAndKeepsEveryPackedWeightBitForBit() throws {
        let fixture = try FixtureCase("lora_llama_all_linear"), scratch = try ScratchFolder()
        let base = try ModelLoader.load(directory: fixture.folder("base"), storage: BaseStorage(dtype: .nf4)).model
        let peft = try PeftModel.fromPretrained(base, directory: fixture.folder("adapter"))
        let before = try Self.state(of: peft), adapted = try fixture.output(of: peft)
        #expect(before.contains { $0.packed?.format == .nf4 })
        try peft.writeMerged(to: scratch.folder("merged"), configFrom: fixture.folder("base"), dtype: .float32)
        #expect(Self.unchanged(before, try Self.state(of: peft)))
        #expect(peft.adapterNames == ["default"] && peft.adapterLayers.allSatisfy { !$0.layer.isMerged })
        #expect(try fixture.output(of: peft).scalars == adapted.scalars)
        // The merged checkpoint computes the session's adapted output (the update on the dequantised base).
        let reloaded = try ModelLoader.load(directory: scratch.folder("merged")).model
        let logits = try GradMode.withoutGradients { try #require(reloaded.forward(fixture.input()).logits) }
        #expect(zip(logits.scalars, adapted.scalars).allSatisfy { abs($0 - $1) <= 1e-4 })
    }

    @Test func mergesOneLayerAtATimeAndPutsEachBackBeforeTheNext() throws {
        let fixture = try FixtureCase("lora_llama_all_linear")
        let base = try ModelLoader.load(directory: fixture.folder("base"), storage: BaseStorage(dtype: .nf4)).model
        let peft = try PeftModel.fromPretrained(base, directory: fixture.folder("adapter"))
        let layers = peft.adapterLayers
        let merge = LayerwiseMerge(layers: layers, adapters: peft.activeAdapters, safe: true, dtype: .bfloat16)
        for (name, layer) in layers {
            let weight = try #require(layer.baseLayer.parameter("weight"))
            let plain = try ExportDType.bfloat16.value(of: weight), merged = try merge.value(of: weight)
            guard case let .halfFloat(_, _, plainBits) = plain, case let .halfFloat(dtype, shape, mergedBits) = merged else {
                Issue.record("\(name): not bf16 values")
                continue
            }
            #expect(dtype == .bf16 && shape == weight.shape && mergedBits != plainBits, "\(name): the update is not in the merged values")
            // Once a layer's values are read, every base weight is packed and unmerged again.
            #expect(layers.allSatisfy { !$0.layer.isMerged && $0.layer.baseLayer.parameter("weight")?.frozen?.format == .nf4 }, "\(name)")
        }
    }

    @Test func aFailedSafeMergeWritesNothingAndKeepsAnEarlierExport() throws {
        let fixture = try FixtureCase("lora_llama_qv"), scratch = try ScratchFolder()
        let peft = try fixture.loadAdapted()
        let out = scratch.folder("merged")
        try peft.writeMerged(to: out, configFrom: fixture.folder("base"))
        let earlier = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        let earlierWeights = try Data(contentsOf: out.appendingPathComponent(SafeTensorsCheckpoint.singleFileName))
        let poisoned = try #require(peft.adapterLayers.last?.layer.adapterParameters(of: "default").first?.parameter).value()
        poisoned.withUnsafeMutableBufferPointer { $0[0] = .nan }
        let before = try Self.state(of: peft)
        for folder in [out, scratch.folder("fresh")] {
            let error = #expect(throws: (any Error).self) { try peft.writeMerged(to: folder, configFrom: fixture.folder("base"), dtype: .bfloat16, safeMerge: true) }
            #expect(error.map { "\($0)" }?.contains("NaNs detected") == true, "\(String(describing: error))")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.folder("fresh").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == earlier)
        #expect(try Data(contentsOf: out.appendingPathComponent(SafeTensorsCheckpoint.singleFileName)) == earlierWeights)
        #expect(Self.unchanged(before, try Self.state(of: peft)))
        #expect(peft.adapterLayers.allSatisfy { !$0.layer.isMerged })
    }
}
