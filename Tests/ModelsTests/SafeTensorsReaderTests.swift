import Foundation
import Models
import Tensors
import Testing

@Suite struct SafeTensorsReaderTests {
    @Test func listsTheAdapterWithoutReadingData() throws {
        let file = try SafeTensorsFile(contentsOf: SafeTensorsFixtures.loraAdapter)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensorInfos.count == 8)
        #expect(file.names == file.names.sorted())
        let info = try #require(file.info(named: "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"))
        #expect(info.dtype == .f32)
        #expect(info.shape == [16, 4])
        #expect(info.dataOffsets == 1536 ..< 1792)
        #expect(info.byteCount == info.elementCount * 4)
        #expect(file.info(named: "lora_A") == nil)
    }

    @Test func loadsFloat32ValuesAsPythonReadsThem() throws {
        let file = try SafeTensorsFile(contentsOf: SafeTensorsFixtures.loraAdapter)
        let tensor = try file.tensor(named: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        #expect(tensor.shape == [4, 32])
        // Values and sum as numpy reads them from the same file.
        #expect(Array(tensor.scalars.prefix(3)) == [0.08736652880907059, -0.08651722222566605, -0.15025050938129425])
        #expect(abs(tensor.scalars.reduce(0.0) { $0 + Double($1) } - -4.009122400544584) < 1e-9)
    }

    @Test func loadsZeroSizedTensorsOfAPrunedAdaLoRAModule() throws {
        let file = try SafeTensorsFile(contentsOf: SafeTensorsFixtures.adaloraPruned)
        let prefix = "base_model.model.model.layers.1.self_attn.q_proj."
        for (suffix, shape) in [("lora_A", [0, 32]), ("lora_B", [32, 0]), ("lora_E", [0, 1])] {
            let info = try #require(file.info(named: prefix + suffix))
            #expect(info.shape == shape)
            #expect(info.byteCount == 0)
            let tensor = try file.tensor(named: prefix + suffix)
            #expect(tensor.shape == shape)
            #expect(tensor.count == 0)
        }
    }

    @Test func loadsInt64AsIntegersAndAsFloats() throws {
        let file = try SafeTensorsFile(contentsOf: SafeTensorsFixtures.loraInputs)
        #expect(file.metadata.isEmpty)
        let ids = try file.integers(named: "input_ids")
        #expect(ids == [26, 19, 73, 31, 65, 93, 108, 22, 22, 108, 62, 32, 126, 40, 90, 115, 46, 62, 85, 117, 80, 0, 0, 0])
        let mask = try file.tensor(named: "attention_mask")
        #expect(mask.shape == [2, 12])
        #expect(mask.scalars == [Float](repeating: 1, count: 21) + [0, 0, 0])
    }

    @Test func refusesConversionsItCannotDo() throws {
        let file = try SafeTensorsFile(contentsOf: SafeTensorsFixtures.loraAdapter)
        let name = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
        #expect(throws: SafeTensorsError.unsupportedConversion(file: SafeTensorsFixtures.loraAdapter.path, tensor: name,
                                                               dtype: .f32, target: "integers")) {
            try file.integers(named: name)
        }
        #expect(throws: SafeTensorsError.tensorNotFound(file: SafeTensorsFixtures.loraAdapter.path, tensor: "missing")) {
            try file.tensor(named: "missing")
        }
    }

    @Test func convertsEveryF16BitPatternExactly() throws {
        let patterns = (0 ... UInt16.max).map { $0 }
        let data = patterns.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(
            header: #"{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#, data: data), name: "f16")
        let values = try file.tensor(named: "h").scalars
        #if !(os(macOS) && arch(x86_64))  // Swift's Float16 is the reference where it exists
        for (bits, value) in zip(patterns, values) {
            let reference = Float(Float16(bitPattern: bits))
            #expect(value.bitPattern == reference.bitPattern || (value.isNaN && reference.isNaN), "f16 bits \(bits)")
        }
        #endif
        // Spot checks that do not rely on the platform's Float16.
        #expect(values[0x0001] == 0x1p-24)            // smallest subnormal
        #expect(values[0x03FF] == 1023 * 0x1p-24)     // largest subnormal
        #expect(values[0x3C00] == 1)
        #expect(values[0xC000] == -2)
        #expect(values[0x7BFF] == 65504)               // largest finite
        #expect(values[0x7C00] == .infinity)
        #expect(values[0xFC00] == -.infinity)
        #expect(values[0x8000].sign == .minus && values[0x8000] == 0)
        #expect(values[0x7E00].isNaN && values[0x7E01].bitPattern == 0x7FC0_2000)
    }

    @Test func convertsBF16ByWideningIntoTheHighHalf() throws {
        let patterns: [UInt16] = [0x0000, 0x3F80, 0xC049, 0x0001, 0x7F80, 0xFF80, 0x7FC1, 0x8000]
        let data = patterns.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(
            header: #"{"b":{"dtype":"BF16","shape":[2,4],"data_offsets":[0,16]}}"#, data: data), name: "bf16")
        let values = try file.tensor(named: "b").scalars
        #expect(values.map(\.bitPattern) == patterns.map { UInt32($0) << 16 })
        #expect(values[1] == 1 && values[2] == -3.140625 && values[4] == .infinity)
    }

    @Test func readsI32AndF64AndUnalignedData() throws {
        // One leading U8 byte puts the I32 and F64 data at odd offsets.
        let data: [UInt8] = [7] + [Int32(-5), 70_000].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
            + withUnsafeBytes(of: (0.1 as Double).bitPattern.littleEndian, Array.init)
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"i":{"dtype":"I32","shape":[2],"data_offsets":[1,9]},"#
            + #""d":{"dtype":"F64","shape":[],"data_offsets":[9,17]}}"#
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(header: header, data: data), name: "mixed")
        #expect(try file.integers(named: "i") == [-5, 70_000])
        #expect(try file.tensor(named: "i").scalars == [-5, 70_000])
        let scalar = try file.tensor(named: "d")
        #expect(scalar.shape == [] && scalar.item == Float(0.1))
        #expect(file.names == ["a", "i", "d"])
    }

    @Test func acceptsEscapedNamesAndWhitespacePadding() throws {
        let header = "{ \"__metadata__\" : {\"note\":\"tab\\there \\u00e9\\ud83d\\ude00\"},\n \"a\\\"b\\/c\":{\"shape\":[1],\"dtype\":\"F32\",\"data_offsets\":[0,4], \"extra\":null} }  \t"
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(header: header, data: [0, 0, 0x80, 0x3F]), name: "escaped")
        #expect(file.metadata == ["note": "tab\there é😀"])
        #expect(try file.tensor(named: "a\"b/c").scalars == [1])
    }
}
