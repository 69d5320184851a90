import FixtureSupport
import Foundation
import Models
import Tensors
import Testing

/// Checkpoints that do not fit the model are refused with the names of the tensors at fault.
@Suite struct CheckpointLoadingTests {
    /// A copy of the tiny LLaMA fixture with its tensors changed by `edit`.
    func brokenCopy(_ edit: (inout [String: Tensor]) -> Void) throws -> URL {
        let source = FixtureCase.root.appendingPathComponent("base_llama/base")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var tensors = Dictionary(uniqueKeysWithValues: try file.names.map { ($0, try file.tensor(named: $0)) })
        edit(&tensors)
        try SafeTensorsWriter.write(tensors, to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    @Test func missingTensorsAreNamed() throws {
        let folder = try brokenCopy { $0["model.layers.1.mlp.up_proj.weight"] = nil; $0["extra.weight"] = Tensor.zeros([2]) }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ModelLoader.load(directory: folder)
            Issue.record("a checkpoint without up_proj must be refused")
        } catch let error as ModelError {
            #expect("\(error)".contains("model.layers.1.mlp.up_proj.weight") && "\(error)".contains("extra.weight"))
        }
    }

    @Test func wrongShapesAreNamed() throws {
        let folder = try brokenCopy { $0["model.norm.weight"] = Tensor.zeros([7]) }
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: ModelError.shapeMismatch(name: "model.norm.weight", expected: [32], found: [7])) {
            try ModelLoader.load(directory: folder)
        }
    }

    @Test func aMissingConfigIsExplained() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ModelLoader.load(directory: folder)
            Issue.record("an empty folder must be refused")
        } catch {
            #expect("\(error)".contains("config.json"))
        }
    }
}

/// Sharded checkpoints and Qwen2, checked against the LLaMA fixture they derive from.
@Suite struct DerivedCheckpointTests {
    let source = FixtureCase.root.appendingPathComponent("base_llama/base")

    func logits(_ model: any PretrainedModel) throws -> [Float] {
        try GradMode.withoutGradients { try model.forward(FixtureCase("base_llama").input()).logits!.scalars }
    }

    @Test func shardsListedInAnIndexLoadLikeOneFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: folder.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var shards: [[String: Tensor]] = [[:], [:]]
        var weightMap: [String: String] = [:]
        for (i, name) in file.names.enumerated() {
            shards[i % 2][name] = try file.tensor(named: name)
            weightMap[name] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
        }
        for (i, shard) in shards.enumerated() {
            try SafeTensorsWriter.write(shard, to: folder.appendingPathComponent("model-0000\(i + 1)-of-00002.safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
            .write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        let sharded = try ModelLoader.load(directory: folder).model
        #expect(try logits(sharded) == logits(ModelLoader.load(directory: source).model))
    }

    /// The case's weights rounded to bfloat16 (to nearest, ties to even, as torch casts).
    static func bfloat16Bits(_ tensor: Tensor) -> [UInt16] {
        tensor.scalars.map { x in
            let bits = x.bitPattern
            return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        }
    }

    /// A hub-style checkpoint of a fixture (bf16 shards with an index, `torch_dtype` instead of
    /// `dtype`) loads as the float32 model whose weights were rounded to bf16; tied heads stay tied.
    @Test(arguments: ["base_gemma3", "base_phi3", "base_qwen3", "base_mistral"])
    func bfloat16ShardsOfHubCheckpointsLoad(_ name: String) throws {
        let source = FixtureCase.root.appendingPathComponent("\(name)/base")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-bf16-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        config["dtype"] = nil
        config["torch_dtype"] = "bfloat16"
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(contentsOf: source.appendingPathComponent("model.safetensors"))
        var weightMap: [String: String] = [:]
        for shard in 0 ..< 2 {
            let names = file.names.enumerated().filter { $0.offset % 2 == shard }.map(\.element)
            var header: [String] = [], data: [UInt8] = []
            for name in names {
                let tensor = try file.tensor(named: name)
                let bytes = Self.bfloat16Bits(tensor).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
                header.append("\"\(name)\":{\"dtype\":\"BF16\",\"shape\":\(tensor.shape),\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}")
                data += bytes
                weightMap[name] = "model-0000\(shard + 1)-of-00002.safetensors"
            }
            let json = Array("{\(header.joined(separator: ","))}".utf8)
            try Data(withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data)
                .write(to: folder.appendingPathComponent("model-0000\(shard + 1)-of-00002.safetensors"))
        }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": weightMap])
            .write(to: folder.appendingPathComponent("model.safetensors.index.json"))
        let loaded = try ModelLoader.load(directory: folder)
        #expect(loaded.report.unexpected.isEmpty)
        let rounded = try ModelLoader.load(directory: source).model
        for (parameterName, parameter) in rounded.namedParameters() {
            let bits = Self.bfloat16Bits(try parameter.value())
            try parameter.assign(Tensor(shape: parameter.shape, data: bits.map { Float(bitPattern: UInt32($0) << 16) }), name: parameterName)
        }
        let input = try FixtureCase(name).input()
        let (a, b) = try GradMode.withoutGradients { (try loaded.model.forward(input).logits!, try rounded.forward(input).logits!) }
        #expect(a.scalars == b.scalars)
        #expect(loaded.model.parameterCounts() == rounded.parameterCounts())
    }

    @Test func qwen2IsLlamaWithQKVBiases() throws {
        var values = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        values["architectures"] = ["Qwen2ForCausalLM"]
        values["model_type"] = "qwen2"
        let qwen = try ModelLoader.build(config: ConfigReader(plain: values, path: "config.json"), factory: ParameterFactory(.meta))
        #expect(qwen.module(at: "model.layers.0.self_attn.q_proj")?.parameter("bias")?.shape == [32])
        #expect(qwen.module(at: "model.layers.0.self_attn.v_proj")?.parameter("bias")?.shape == [16])
        #expect(qwen.module(at: "model.layers.0.self_attn.o_proj")?.parameter("bias") == nil)
        // With the LLaMA weights and zero biases, Qwen2 computes what LLaMA does; a bias on v moves it.
        let llama = try ModelLoader.load(directory: source).model
        let weights = Dictionary(uniqueKeysWithValues: llama.namedParameters().map { ($0.name, $0.parameter) })
        for (name, parameter) in qwen.namedParameters() {
            try parameter.assign(weights[name]?.value() ?? Tensor.zeros(parameter.shape), name: name)
        }
        #expect(try logits(qwen) == logits(llama))
        try qwen.module(at: "model.layers.1.self_attn.v_proj")!.parameter("bias")!.assign(Tensor.full([16], 0.5), name: "v bias")
        #expect(try logits(qwen) != logits(llama))
    }
}
