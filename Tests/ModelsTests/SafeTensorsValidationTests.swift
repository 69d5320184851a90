import Foundation
import Models
import Testing

@Suite struct SafeTensorsValidationTests {
    /// The error opening `bytes` throws (nil if it opens).
    private func openingError(_ bytes: [UInt8]) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(bytes: bytes, name: "bad.safetensors")
            return nil
        } catch {
            return error as? SafeTensorsError
        }
    }

    private func openingError(header: String, data: [UInt8] = []) -> SafeTensorsError? {
        openingError(safeTensorsBytes(header: header, data: data))
    }

    private func entry(_ name: String, _ dtype: String = "F32", _ shape: String, _ offsets: String) -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    @Test func fileShorterThanTheLengthField() {
        for size in 0 ..< 8 {
            #expect(openingError([UInt8](repeating: 0, count: size)) == .fileTooShort(file: "bad.safetensors", size: size))
        }
    }

    @Test func headerLengthPastTheEndOrAbsurd() throws {
        var bytes = safeTensorsBytes(header: "{}")
        bytes[0] = 11
        #expect(openingError(bytes) == .headerLengthOutOfRange(file: "bad.safetensors", headerLength: 11, fileSize: 10))
        let huge = withUnsafeBytes(of: UInt64.max.littleEndian, Array.init) + Array("{}".utf8)
        #expect(openingError(huge) == .headerLengthOutOfRange(file: "bad.safetensors", headerLength: .max, fileSize: 10))
        // A sparse file long enough for a 200 MB header, which is still refused as absurd.
        let folder = try SafeTensorsTemporaryFolder()
        let big = folder.file("big.safetensors")
        try Data(withUnsafeBytes(of: UInt64(200_000_000).littleEndian, Array.init)).write(to: big)
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 200_000_008)
        try handle.close()
        #expect(throws: SafeTensorsError.headerLengthOutOfRange(file: big.path, headerLength: 200_000_000, fileSize: 200_000_008)) {
            try SafeTensorsFile(contentsOf: big)
        }
    }

    @Test func headerThatIsNotUTF8JSONOrAnObject() {
        let notUTF8 = withUnsafeBytes(of: UInt64(4).littleEndian, Array.init) + [0x7B, 0xFF, 0xFE, 0x7D]
        #expect(openingError(notUTF8) == .malformedHeader(file: "bad.safetensors", reason: "it is not valid UTF-8"))
        for text in ["", "{", "{\"a\":}", "{}x", "{'a':1}", "[1,]", "{\"a\":01}", "{\"\\x\":1}", "{\"\u{01}\":1}", "{\"\\ud800\":1}",
                     String(repeating: "[", count: 100) + String(repeating: "]", count: 100)] {
            guard case .malformedHeader? = openingError(header: text) else {
                Issue.record("header \(text.debugDescription) was not reported as malformed")
                continue
            }
        }
        #expect(openingError(header: "[]") == .malformedHeader(file: "bad.safetensors", reason: "it is an array, not a JSON object"))
        #expect(openingError(header: "3") != nil)
    }

    @Test func metadataThatIsNotAStringMap() {
        #expect(openingError(header: #"{"__metadata__":{"a":1}}"#)
            == .malformedMetadata(file: "bad.safetensors", reason: "'a' is the number 1"))
        #expect(openingError(header: #"{"__metadata__":[]}"#)
            == .malformedMetadata(file: "bad.safetensors", reason: "it is an array"))
    }

    @Test func entriesWithMissingOrMistypedFields() {
        let cases: [(String, String)] = [
            (#"{"t":3}"#, "the entry is the number 3, not an object"),
            (#"{"t":{"shape":[1],"data_offsets":[0,4]}}"#, "'dtype' is missing"),
            (#"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#, "'shape' is missing"),
            (#"{"t":{"dtype":"F32","shape":[1]}}"#, "'data_offsets' is missing"),
            (#"{"t":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}"#, "'dtype' is the number 7, not a string"),
            (#"{"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, "'shape' is a string, not an array"),
            (#"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "'shape' holds the number -1, not a non-negative integer"),
            (#"{"t":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, "'shape' holds the number 1.0, not a non-negative integer"),
            (#"{"t":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#, "'shape' holds the number 1e0, not a non-negative integer"),
            (#"{"t":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, "'shape' holds a boolean, not a non-negative integer"),
            (#"{"t":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}"#,
             "'shape' holds the number 99999999999999999999, not a non-negative integer"),
            (#"{"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
             "shape [4294967296, 4294967296] is too large to address"),
            (#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, "'data_offsets' has 3 numbers, not 2"),
            (#"{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}}"#, "'data_offsets' holds the number -4, not a non-negative integer"),
        ]
        for (header, reason) in cases {
            #expect(openingError(header: header, data: [0, 0, 0, 0]) == .malformedEntry(file: "bad.safetensors", tensor: "t", reason: reason))
        }
        #expect(openingError(header: "{" + entry("t", "F32", "[1]", "[0,4]") + "," + entry("t", "F32", "[1]", "[4,8]") + "}",
                             data: [UInt8](repeating: 0, count: 8))
            == .malformedEntry(file: "bad.safetensors", tensor: "t", reason: "the name occurs twice in the header"))
    }

    @Test func unknownDType() {
        #expect(openingError(header: "{" + entry("t", "F4", "[2]", "[0,1]") + "}", data: [0])
            == .unknownDType(file: "bad.safetensors", tensor: "t", dtype: "F4"))
    }

    @Test func offsetsThatDisagreeWithShapeOrBuffer() {
        let data = [UInt8](repeating: 0, count: 16)
        #expect(openingError(header: "{" + entry("t", "F32", "[3]", "[0,8]") + "}", data: data)
            == .badOffsets(file: "bad.safetensors", tensor: "t", reason: "shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8"))
        #expect(openingError(header: "{" + entry("t", "F32", "[1]", "[8,4]") + "}", data: data)
            == .badOffsets(file: "bad.safetensors", tensor: "t", reason: "data_offsets end 4 is before its begin 8"))
        #expect(openingError(header: "{" + entry("t", "F32", "[6]", "[0,24]") + "}", data: data)
            == .badOffsets(file: "bad.safetensors", tensor: "t", reason: "data_offsets [0, 24] run past the end of the 16-byte data buffer"))
        #expect(openingError(header: "{" + entry("a", "F32", "[3]", "[0,12]") + "," + entry("b", "F32", "[2]", "[8,16]") + "}", data: data)
            == .badOffsets(file: "bad.safetensors", tensor: "b", reason: "data_offsets [8, 16] overlap tensor 'a'"))
    }

    @Test func bytesCoveredByNoTensor() {
        let data = [UInt8](repeating: 0, count: 16)
        #expect(openingError(header: "{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[1]", "[12,16]") + "}", data: data)
            == .uncoveredBytes(file: "bad.safetensors", range: 8 ..< 12, after: "a"))
        #expect(openingError(header: "{" + entry("b", "F32", "[2]", "[8,16]") + "}", data: data)
            == .uncoveredBytes(file: "bad.safetensors", range: 0 ..< 8, after: nil))
        #expect(openingError(header: "{" + entry("a", "F32", "[2]", "[0,8]") + "}", data: data)
            == .uncoveredBytes(file: "bad.safetensors", range: 8 ..< 16, after: "a"))
        #expect(openingError(header: "{}", data: [1]) == .uncoveredBytes(file: "bad.safetensors", range: 0 ..< 1, after: nil))
    }

    @Test func zeroSizedTensorsMayShareAnOffset() throws {
        let header = "{" + entry("a", "F32", "[0,3]", "[0,0]") + "," + entry("b", "F32", "[1]", "[0,4]") + ","
            + entry("c", "I64", "[2,0]", "[4,4]") + "}"
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(header: header, data: [0, 0, 0, 0]), name: "zeros")
        #expect(try file.integers(named: "c") == [])
        #expect(try file.tensor(named: "a").shape == [0, 3])
    }

    @Test func missingOrUnreadableFilesAreIOErrors() throws {
        let folder = try SafeTensorsTemporaryFolder()
        let missing = folder.file("absent.safetensors")
        #expect(throws: SafeTensorsError.io(file: missing.path, reason: "cannot open: No such file or directory")) {
            try SafeTensorsFile(contentsOf: missing)
        }
        #expect(throws: SafeTensorsError.io(file: folder.url.path, reason: "not a regular file")) {
            try SafeTensorsFile(contentsOf: folder.url)
        }
        let empty = folder.file("empty.safetensors")
        try Data().write(to: empty)
        #expect(throws: SafeTensorsError.fileTooShort(file: empty.path, size: 0)) { try SafeTensorsFile(contentsOf: empty) }
    }

    @Test func descriptionsNameFileTensorAndRemedy() {
        let error = SafeTensorsError.badOffsets(file: "/m/model.safetensors", tensor: "model.embed_tokens.weight", reason: "r")
        #expect(error.description.contains("/m/model.safetensors"))
        #expect(error.description.contains("'model.embed_tokens.weight'"))
        #expect(error.description.contains("download or save it again"))
        #expect(SafeTensorsError.unknownDType(file: "f", tensor: "t", dtype: "F4").description.contains("BF16"))
    }
}
