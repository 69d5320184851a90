import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// `lorakit merge --base-dtype … --dtype …` and the workbench's `export DIR --dtype`: the base is
/// dequantised, the adapter's update added in float32, and the result written in the dtype asked
/// (default the checkpoint's own), through the binary as a user runs it.
@Suite struct MergeExportTests {
    static let fixtureName = "lora_llama_all_linear"

    let fixture: FixtureCase
    let scratch: ScratchFolder
    var base: URL { fixture.directory.appendingPathComponent("base") }
    var adapter: URL { fixture.directory.appendingPathComponent("adapter") }

    init() throws {
        fixture = try FixtureCase(Self.fixtureName)
        scratch = try ScratchFolder()
    }

    func logits(_ model: URL, _ extra: [String] = []) throws -> [Float] {
        try LorakitBinary.forward(fixture, model: model, extra, scratch: scratch).tensor(named: "logits").scalars
    }

    func merge(_ model: URL, to name: String, _ extra: [String]) throws -> URL {
        let out = scratch.url.appendingPathComponent(name)
        let result = try LorakitBinary.run(["merge", "--model", model.path, "--adapter", adapter.path, "--out", out.path] + extra)
        #expect(result.status == 0, "merge \(extra): \(result.error)")
        return out
    }

    /// The tensors of `model`'s checkpoint, the dtypes they are stored in, and `config.json`'s dtype (`dtype`, or `torch_dtype` of older transformers).
    func checkpoint(_ model: URL) throws -> (file: SafeTensorsFile, dtypes: Set<SafeTensorsDType>, torchDType: String?) {
        let file = try SafeTensorsFile(contentsOf: model.appendingPathComponent("model.safetensors"))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("config.json"))) as? [String: Any]
        return (file, Set(file.names.compactMap { file.info(named: $0)?.dtype }), (config?["dtype"] ?? config?["torch_dtype"]) as? String)
    }

    /// The base as `storage` holds it, written back as float32 (its dequantised values).
    func dequantizedBase(_ storage: BaseStorage, from model: URL) throws -> URL {
        let folder = scratch.url.appendingPathComponent("dequantized-\(storage.dtype.rawValue)")
        try ModelWriter.save(ModelLoader.load(directory: model, storage: storage).model, companionsFrom: model, to: folder)
        return folder
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func anNF4BaseMergesIntoFloat32ThatComputesTheAdaptedForwardOnTheDequantisedBase() throws {
        let merged = try merge(base, to: "merged-nf4", ["--base-dtype", "nf4", "--dtype", "float32"])
        let written = try checkpoint(merged)
        #expect(written.dtypes == [.f32] && written.torchDType == "float32")
        let dequantized = try dequantizedBase(BaseStorage(dtype: .nf4), from: base)
        let adaptedOnDequantized = try logits(dequantized, ["--adapter", adapter.path])
        let exported = try logits(merged)
        #expect(exported.count == adaptedOnDequantized.count && Self.maxDifference(exported, adaptedOnDequantized) < 1e-4)
        // The nf4 rounding shows: the float32 base's adapted logits are farther off than the tolerance.
        #expect(Self.maxDifference(try fixture.expected.tensor(named: "logits_adapted").scalars, adaptedOnDequantized) > 1e-3)
    }

    @Test func aBF16CheckpointExportsAsBF16ByDefaultTheFloat32MergeRounded() throws {
        // A bf16 copy of the base, as transformers saves a bf16 model.
        let bf16Base = scratch.url.appendingPathComponent("bf16-base")
        try FileManager.default.createDirectory(at: bf16Base, withIntermediateDirectories: true)
        let source = try SafeTensorsFile(contentsOf: base.appendingPathComponent("model.safetensors"))
        var tensors: [String: SafeTensorsValue] = [:]
        for name in source.names {
            let values = try source.tensor(named: name)
            tensors[name] = .halfFloat(.bf16, shape: values.shape, bits: values.scalars.map(HalfPrecision.bf16(from:)))
        }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: bf16Base.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: base.appendingPathComponent("config.json"), to: bf16Base.appendingPathComponent("config.json"))

        let asBF16 = try merge(bf16Base, to: "merged-bf16", ["--base-dtype", "bf16"])
        let asFloat32 = try merge(bf16Base, to: "merged-f32", ["--base-dtype", "bf16", "--dtype", "float32"])
        let (bf16File, bf16Types, bf16Torch) = try checkpoint(asBF16)
        let (f32File, f32Types, _) = try checkpoint(asFloat32)
        #expect(bf16Types == [.bf16] && bf16Torch == "bfloat16" && f32Types == [.f32])
        #expect(bf16File.names.sorted() == f32File.names.sorted())
        for name in f32File.names {
            let rounded = try f32File.tensor(named: name).scalars.map(HalfPrecision.bf16(from:))
            let stored = try bf16File.withRawBytes(of: name) { info, raw in
                (0 ..< info.shape.reduce(1, *)).map { raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self) }
            }
            #expect(stored == rounded, "\(name)")
        }
        // The float32 export computes the adapted forward on the bf16 base.
        #expect(Self.maxDifference(try logits(asFloat32), try logits(bf16Base, ["--adapter", adapter.path])) < 1e-4)
    }

    @Test func theWorkbenchExportOfAnNF4SessionIsTheCommandsAndKeepsTheSessionQuantised() throws {
        let exported = scratch.url.appendingPathComponent("exported")
        let script = scratch.url.appendingPathComponent("export.lks")
        try "load \(base.path) --dtype nf4\nadapter load \(adapter.path)\nexport \(exported.path) --dtype bfloat16\nmerge\n"
            .write(to: script, atomically: true, encoding: .utf8)
        let result = try LorakitBinary.run(["run", script.path], in: scratch.url)
        #expect(result.output.contains("merged to \(exported.path) as bfloat16"), "\(result.output) \(result.error)")
        #expect((result.output + result.error).contains("stored as nf4"), "merging into the session's nf4 base is still refused: \(result.output)")
        let command = try merge(base, to: "merged-command", ["--base-dtype", "nf4", "--dtype", "bf16"])
        let (fromSession, _, _) = try checkpoint(exported), (fromCommand, _, _) = try checkpoint(command)
        #expect(fromSession.names.sorted() == fromCommand.names.sorted())
        for name in fromCommand.names {
            let a = try fromSession.withRawBytes(of: name) { Array($1) }, b = try fromCommand.withRawBytes(of: name) { Array($1) }
            #expect(a == b, "\(name)")
        }
    }

    @Test func aBadDTypeIsRefusedWithTheChoices() throws {
        let result = try LorakitBinary.run(["merge", "--model", base.path, "--adapter", adapter.path, "--out", scratch.url.appendingPathComponent("x").path,
                                            "--dtype", "int8"])
        #expect(result.status != 0 && result.error.contains("unknown export dtype int8; choose one of float32, bfloat16, float16"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: scratch.url.appendingPathComponent("x/model.safetensors").path))
    }
}
