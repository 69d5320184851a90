import JSON

/// The parsed and validated header of a safetensors file: where the data starts, the tensors in data
/// order, and the `__metadata__` strings. Parsing checks everything the format promises, so that
/// loading a tensor afterwards can never read outside the file.
struct SafeTensorsHeader {
    /// Headers larger than this are refused as damage (the reference implementation's limit).
    static let maximumLength: UInt64 = 100_000_000

    /// The offset of the data buffer in the file: 8 + the header length.
    let dataStart: Int
    /// The tensors, ordered by their position in the data buffer.
    let tensors: [SafeTensorsTensorInfo]
    /// The `__metadata__` map, empty when the file has none.
    let metadata: [String: String]

    /// Parses the header at the start of `bytes`, the whole content of the file named `file`.
    init(bytes: UnsafeRawBufferPointer, file: String) throws {
        guard bytes.count >= 8 else { throw SafeTensorsError.fileTooShort(file: file, size: bytes.count) }
        let length = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard length <= Self.maximumLength, length <= UInt64(bytes.count - 8) else {
            throw SafeTensorsError.headerLengthOutOfRange(file: file, headerLength: length, fileSize: bytes.count)
        }
        dataStart = 8 + Int(length)
        let json: JSONValue
        do {
            json = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[8 ..< dataStart]))
        } catch let failure as JSONParser.Failure {
            throw SafeTensorsError.malformedHeader(file: file, reason: failure.reason)
        }
        guard case let .object(members) = json else {
            throw SafeTensorsError.malformedHeader(file: file, reason: "it is \(json.typeName), not a JSON object")
        }
        var metadata: [String: String]?
        var tensors: [SafeTensorsTensorInfo] = []
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else {
                throw SafeTensorsError.malformedEntry(file: file, tensor: name, reason: "the name occurs twice in the header")
            }
            if name == "__metadata__" {
                metadata = try Self.metadata(value, file: file)
            } else {
                tensors.append(try Self.tensorInfo(name: name, entry: value, file: file))
            }
        }
        self.metadata = metadata ?? [:]
        self.tensors = tensors.sorted { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound) }
        try Self.checkCoverage(self.tensors, bufferSize: bytes.count - dataStart, file: file)
    }

    private static func metadata(_ value: JSONValue, file: String) throws -> [String: String] {
        guard case let .object(members) = value else {
            throw SafeTensorsError.malformedMetadata(file: file, reason: "it is \(value.typeName)")
        }
        var result: [String: String] = [:]
        for (key, entry) in members {
            guard case let .string(text) = entry else {
                throw SafeTensorsError.malformedMetadata(file: file, reason: "'\(key)' is \(entry.typeName)")
            }
            guard result.updateValue(text, forKey: key) == nil else {
                throw SafeTensorsError.malformedMetadata(file: file, reason: "'\(key)' occurs twice")
            }
        }
        return result
    }

    private static func tensorInfo(name: String, entry: JSONValue, file: String) throws -> SafeTensorsTensorInfo {
        func malformed(_ reason: String) -> SafeTensorsError {
            .malformedEntry(file: file, tensor: name, reason: reason)
        }
        guard case let .object(fields) = entry else { throw malformed("the entry is \(entry.typeName), not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let value = fields.first(where: { $0.key == key })?.value else { throw malformed("'\(key)' is missing") }
            return value
        }
        func naturals(_ key: String) throws -> [Int] {
            let value = try field(key)
            guard case let .array(elements) = value else { throw malformed("'\(key)' is \(value.typeName), not an array") }
            return try elements.map { element in
                guard let number = element.integer, number >= 0 else {
                    throw malformed("'\(key)' holds \(element.typeName), not a non-negative integer")
                }
                return number
            }
        }
        let dtypeValue = try field("dtype")
        guard case let .string(dtypeName) = dtypeValue else { throw malformed("'dtype' is \(dtypeValue.typeName), not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        let shape = try naturals("shape")
        let offsets = try naturals("data_offsets")
        guard offsets.count == 2 else { throw malformed("'data_offsets' has \(offsets.count) numbers, not 2") }
        guard offsets[0] <= offsets[1] else {
            throw SafeTensorsError.badOffsets(file: file, tensor: name, reason: "data_offsets end \(offsets[1]) is before its begin \(offsets[0])")
        }
        var byteCount = dtype.byteSize
        for extent in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw malformed("shape \(shape) is too large to address") }
            byteCount = product
        }
        guard byteCount == offsets[1] - offsets[0] else {
            throw SafeTensorsError.badOffsets(file: file, tensor: name, reason:
                "shape \(shape) of \(dtypeName) needs \(byteCount) bytes but data_offsets \(offsets) span \(offsets[1] - offsets[0])")
        }
        return SafeTensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: offsets[0] ..< offsets[1])
    }

    /// Checks that `tensors` (sorted by offset) tile the data buffer exactly: no overlap, no gap, no overrun.
    private static func checkCoverage(_ tensors: [SafeTensorsTensorInfo], bufferSize: Int, file: String) throws {
        var end = 0
        var previous: String?
        for tensor in tensors {
            let range = tensor.dataOffsets
            guard range.upperBound <= bufferSize else {
                throw SafeTensorsError.badOffsets(file: file, tensor: tensor.name, reason:
                    "data_offsets [\(range.lowerBound), \(range.upperBound)] run past the end of the \(bufferSize)-byte data buffer")
            }
            guard range.lowerBound >= end else {
                throw SafeTensorsError.badOffsets(file: file, tensor: tensor.name, reason:
                    "data_offsets [\(range.lowerBound), \(range.upperBound)] overlap tensor '\(previous ?? "")'")
            }
            guard range.lowerBound == end else {
                throw SafeTensorsError.uncoveredBytes(file: file, range: end ..< range.lowerBound, after: previous)
            }
            end = range.upperBound
            previous = tensor.name
        }
        guard end == bufferSize else {
            throw SafeTensorsError.uncoveredBytes(file: file, range: end ..< bufferSize, after: previous)
        }
    }
}
