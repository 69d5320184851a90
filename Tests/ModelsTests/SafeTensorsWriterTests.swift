import Foundation
import Models
import Tensors
import Testing

@Suite struct SafeTensorsWriterTests {
    /// Every tensor of `file` as a value the writer takes, in its stored dtype.
    private func values(of file: SafeTensorsFile) throws -> [String: SafeTensorsValue] {
        var values: [String: SafeTensorsValue] = [:]
        for info in file.tensorInfos {
            values[info.name] = info.dtype == .i64
                ? .int64(shape: info.shape, values: try file.integers(named: info.name))
                : .float32(try file.tensor(named: info.name))
        }
        return values
    }

    @Test(arguments: [SafeTensorsFixtures.loraAdapter, SafeTensorsFixtures.loraExpected,
                      SafeTensorsFixtures.loraInputs, SafeTensorsFixtures.adaloraPruned])
    func rewritesPythonFilesByteForByte(fixture: URL) throws {
        let folder = try SafeTensorsTemporaryFolder()
        let original = try SafeTensorsFile(contentsOf: fixture)
        let copy = folder.file("copy.safetensors")
        try SafeTensorsWriter.write(try values(of: original), metadata: original.metadata.isEmpty ? nil : original.metadata, to: copy)
        #expect(try SafeTensorsFixtures.bytes(copy) == SafeTensorsFixtures.bytes(fixture))
    }

    @Test func roundTripsMixedTensorsInPythonsLayout() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("mixed.safetensors")
        var generator = RandomGenerator(seed: 7)
        let weights = Tensor.normal([3, 5], generator: &generator)
        let tensors: [String: SafeTensorsValue] = [
            "b.weight": .float32(weights),
            "a.empty": .float32(Tensor.zeros([0, 4])),
            "z.ids": .int64(shape: [2, 2], values: [1, -100, Int(Int64.max), 0]),
            "é \"quoted\"\n": .float32(Tensor(scalar: 2.5)),
        ]
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt", "a": "x\u{01}"], to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        // The reference writer puts I64 data before F32, then orders by name (as UTF-8 bytes).
        #expect(file.names == ["z.ids", "a.empty", "b.weight", "é \"quoted\"\n"])
        #expect(file.metadata == ["format": "pt", "a": "x\u{01}"])
        #expect(try file.tensor(named: "b.weight").scalars == weights.scalars)
        #expect(try file.tensor(named: "a.empty").shape == [0, 4])
        #expect(try file.integers(named: "z.ids") == [1, -100, Int(Int64.max), 0])
        #expect(try file.tensor(named: "é \"quoted\"\n").shape == [])
        let bytes = try SafeTensorsFixtures.bytes(url)
        let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0)
        #expect(String(decoding: bytes[8 ..< 8 + headerLength], as: UTF8.self).hasPrefix(#"{"__metadata__":{"a":"x\u0001","format":"pt"},"z.ids":"#))
    }

    @Test func writesFloatDictionariesWithoutMetadata() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("plain.safetensors")
        try SafeTensorsWriter.write(["w": Tensor(shape: [2], data: [1, -1])], to: url)
        #expect(try SafeTensorsFixtures.bytes(url) == safeTensorsBytes(
            header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  "#, data: [0, 0, 0x80, 0x3F, 0, 0, 0x80, 0xBF]))
    }

    @Test func replacesTheTargetAtomicallyAndLeavesNoTemporaryFile() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("adapter_model.safetensors")
        try SafeTensorsWriter.write(["a": Tensor.ones([2])], to: url)
        try SafeTensorsWriter.write(["b": Tensor.ones([3])], to: url)
        #expect(try SafeTensorsFile(contentsOf: url).names == ["b"])
        #expect(try folder.contents() == ["adapter_model.safetensors"])
    }

    @Test func refusesBadTensorsAndKeepsTheExistingFile() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("keep.safetensors")
        try SafeTensorsWriter.write(["a": Tensor.ones([2])], to: url)
        let before = try SafeTensorsFixtures.bytes(url)
        #expect(throws: SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: "ids",
                                                              reason: "shape [2, 2] does not hold the 3 values given")) {
            try SafeTensorsWriter.write(["ids": .int64(shape: [2, 2], values: [1, 2, 3])], to: url)
        }
        #expect(throws: SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: "__metadata__",
                                                              reason: "the name is reserved for the metadata")) {
            try SafeTensorsWriter.write(["__metadata__": Tensor.ones([1])], to: url)
        }
        #expect(try SafeTensorsFixtures.bytes(url) == before)
        #expect(try folder.contents() == ["keep.safetensors"])
    }

    @Test func reportsAFolderThatCannotBeWritten() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("missing/adapter.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter.write(["a": Tensor.ones([1])], to: url) }
        #expect(error?.description.contains(url.path) == true)
        #expect(error?.description.contains("cannot create a temporary file") == true)
    }

    @Test func streamsEachTensorWhenItsTurnComesIntoTheDictionaryWritersBytes() throws {
        let folder = try SafeTensorsTemporaryFolder()
        var generator = RandomGenerator(seed: 11)
        let tensors: [String: SafeTensorsValue] = [
            "b.weight": .float32(Tensor.normal([3, 5], generator: &generator)),
            "a.half": .halfFloat(.bf16, shape: [3], bits: [1, 2, 3]),
            "c.ids": .int64(shape: [2], values: [7, -1]),
            "a.weight": .float32(Tensor.normal([2], generator: &generator)),
        ]
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder.file("whole.safetensors"))
        var asked: [String] = []
        let entries = tensors.map { SafeTensorsWriter.Entry(name: $0.key, dtype: $0.value.dtype, shape: $0.value.shape) }.shuffled()
        try SafeTensorsWriter.write(entries: entries, metadata: ["format": "pt"], to: folder.file("streamed.safetensors")) { entry in
            asked.append(entry.name)
            return tensors[entry.name] ?? .float32(Tensor.zeros([0]))
        }
        // Asked once each, in the file's data order (I64, F32, BF16, then by name).
        #expect(asked == ["c.ids", "a.weight", "b.weight", "a.half"])
        #expect(try SafeTensorsFixtures.bytes(folder.file("streamed.safetensors")) == SafeTensorsFixtures.bytes(folder.file("whole.safetensors")))
    }

    @Test func aStreamedValueUnlikeItsEntryOrAFailingOneLeavesNoFileAndKeepsTheOldOne() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let url = folder.file("model.safetensors")
        try SafeTensorsWriter.write(["a": Tensor.ones([2])], to: url)
        let before = try SafeTensorsFixtures.bytes(url)
        let entries = [SafeTensorsWriter.Entry(name: "w", dtype: .bf16, shape: [2, 2]), SafeTensorsWriter.Entry(name: "x", dtype: .bf16, shape: [1])]
        #expect(throws: SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: "w", reason: "the values given are F32 [4], not the BF16 [2, 2] laid out")) {
            try SafeTensorsWriter.write(entries: entries, to: url) { _ in .float32(Tensor.ones([4])) }
        }
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try SafeTensorsWriter.write(entries: entries, to: url) { entry in
                if entry.name == "x" { throw Stop() }
                return .halfFloat(.bf16, shape: [2, 2], bits: [0, 0, 0, 0])
            }
        }
        #expect(throws: SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: "w", reason: "the name is given twice")) {
            try SafeTensorsWriter.write(entries: [entries[0], entries[0]], to: url) { _ in .halfFloat(.bf16, shape: [2, 2], bits: [0, 0, 0, 0]) }
        }
        #expect(try SafeTensorsFixtures.bytes(url) == before)
        #expect(try folder.contents() == ["model.safetensors"])
    }
}
