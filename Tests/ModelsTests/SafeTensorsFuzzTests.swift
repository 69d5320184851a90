import Foundation
import Models
import Tensors
import Testing

/// Damaged and random files, several thousand with fixed seeds: every one must either open, with
/// tensors whose bytes agree with their shapes and that load, or throw a `SafeTensorsError` — never
/// crash or read outside the file.
@Suite struct SafeTensorsFuzzTests {
    /// Counts of the outcomes, so a test can check that its cases exercised both.
    private struct Outcomes {
        var opened = 0
        var refused = 0
    }

    /// Opens `bytes` and, if that works, checks and loads every tensor.
    private func exercise(_ bytes: [UInt8], _ outcomes: inout Outcomes, _ label: @autoclosure () -> String) {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(bytes: bytes, name: "fuzz")
        } catch is SafeTensorsError {
            outcomes.refused += 1
            return
        } catch {
            Issue.record("\(label()): unexpected error type \(error)")
            return
        }
        outcomes.opened += 1
        let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        let dataSize = bytes.count - 8 - headerLength
        var covered = 0
        for info in file.tensorInfos {
            covered += info.byteCount
            guard info.byteCount == info.elementCount * info.dtype.byteSize, info.dataOffsets.upperBound <= dataSize else {
                Issue.record("\(label()): tensor '\(info.name)' has \(info.byteCount) bytes at \(info.dataOffsets) for shape \(info.shape)")
                continue
            }
            loadBothWays(file, info, label())
        }
        if covered != dataSize { Issue.record("\(label()): tensors cover \(covered) of \(dataSize) data bytes") }
    }

    private func loadBothWays(_ file: SafeTensorsFile, _ info: SafeTensorsTensorInfo, _ label: String) {
        do {
            let tensor = try file.tensor(named: info.name)
            if tensor.shape != info.shape { Issue.record("\(label): '\(info.name)' loaded with shape \(tensor.shape)") }
        } catch SafeTensorsError.unsupportedConversion {
        } catch {
            Issue.record("\(label): loading '\(info.name)' as float threw \(error)")
        }
        do {
            let values = try file.integers(named: info.name)
            if values.count != info.elementCount { Issue.record("\(label): '\(info.name)' gave \(values.count) integers") }
        } catch SafeTensorsError.unsupportedConversion {
        } catch {
            Issue.record("\(label): loading '\(info.name)' as integers threw \(error)")
        }
    }

    private static let fixtures = [SafeTensorsFixtures.adaloraPruned, SafeTensorsFixtures.loraInputs]

    @Test(arguments: fixtures)
    func truncatedAtEveryLength(fixture: URL) throws {
        let original = try SafeTensorsFixtures.bytes(fixture)
        var outcomes = Outcomes()
        for length in 0 ... original.count {
            exercise(Array(original.prefix(length)), &outcomes, "truncated to \(length)")
        }
        #expect(outcomes.opened == 1 && outcomes.refused == original.count)
    }

    @Test(arguments: fixtures)
    func withEveryHeaderLengthNearTheTrueOneAndHugeOnes(fixture: URL) throws {
        let original = try SafeTensorsFixtures.bytes(fixture)
        let trueLength = original.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
        var generator = RandomGenerator(seed: 11)
        let lengths = Array(0 ... UInt64(original.count + 16)) + (0 ..< 200).map { _ in generator.next() }
            + [UInt64.max, UInt64(Int.max), UInt64(Int.max) + 1, 100_000_001]
        var outcomes = Outcomes()
        for length in lengths {
            var bytes = original
            withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0 ..< 8, with: $0) }
            exercise(bytes, &outcomes, "header length \(length)")
        }
        // Only the true length opens: any other leaves padding as uncovered data or cuts into the JSON.
        #expect(lengths.contains(trueLength))
        #expect(outcomes.opened == 1 && outcomes.refused == lengths.count - 1)
    }

    @Test(arguments: fixtures)
    func withRandomBytesChanged(fixture: URL) throws {
        let original = try SafeTensorsFixtures.bytes(fixture)
        let headerEnd = 8 + original.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        var generator = RandomGenerator(seed: 2024)
        var outcomes = Outcomes()
        for round in 0 ..< 3000 {
            var bytes = original
            for _ in 0 ... Int(generator.next() % 3) {
                // Two changes in three hit the header, where the parsing is.
                let position = generator.next() % 3 == 0 ? Int(generator.next() % UInt64(bytes.count))
                    : Int(generator.next() % UInt64(headerEnd))
                bytes[position] = generator.next() % 2 == 0 ? UInt8(truncatingIfNeeded: generator.next())
                    : bytes[position] ^ (1 << UInt8(generator.next() % 8))
            }
            exercise(bytes, &outcomes, "round \(round)")
        }
        #expect(outcomes.opened > 0 && outcomes.refused > 0)
    }

    @Test(arguments: fixtures)
    func withHeaderTextEdited(fixture: URL) throws {
        let original = try SafeTensorsFixtures.bytes(fixture)
        let headerEnd = 8 + original.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = Array(original[8 ..< headerEnd]), data = Array(original[headerEnd...])
        let alphabet = Array("0123456789[]{},:\"-.e ".utf8)
        var generator = RandomGenerator(seed: 99)
        var outcomes = Outcomes()
        for round in 0 ..< 2000 {
            var text = header
            let position = Int(generator.next() % UInt64(text.count))
            let byte = alphabet[Int(generator.next() % UInt64(alphabet.count))]
            switch generator.next() % 3 {
            case 0: text.remove(at: position)
            case 1: text.insert(byte, at: position)
            default: text[position] = byte
            }
            exercise(withUnsafeBytes(of: UInt64(text.count).littleEndian, Array.init) + text + data, &outcomes, "edit \(round)")
        }
        #expect(outcomes.opened > 0 && outcomes.refused > 0)
    }

    @Test func randomHeaders() {
        var generator = RandomGenerator(seed: 7)
        func pick<T>(_ choices: [T]) -> T { choices[Int(generator.next() % UInt64(choices.count))] }
        func number() -> String {
            pick(["0", "1", "2", "3", "4", "8", "16", "-1", "1.5", "2e1", "18446744073709551616", "9223372036854775807",
                  "\(generator.next() % 64)", "\(generator.next() % 4096)", "true", "null", "\"4\""])
        }
        func list(_ maxCount: UInt64) -> String {
            "[" + (0 ..< generator.next() % maxCount).map { _ in number() }.joined(separator: ",") + "]"
        }
        var outcomes = Outcomes()
        for round in 0 ..< 4000 {
            var members: [String] = []
            var offset = 0
            for index in 0 ..< generator.next() % 5 {
                let dtype = pick(SafeTensorsDType.allCases.map(\.rawValue) + ["F4", "f32", "", "Q8"])
                if generator.next() % 2 == 0 {
                    // A consistent entry: shape and offsets agree, placed right after the previous one.
                    let shape = (0 ..< generator.next() % 3).map { _ in Int(generator.next() % 4) }
                    let size = shape.reduce(SafeTensorsDType(rawValue: dtype)?.byteSize ?? 1, *)
                    members.append(#""t\#(index)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(offset),\#(offset + size)]}"#)
                    offset += size
                } else {
                    let fields = [#""dtype":"\#(dtype)""#, #""shape":\#(list(4))"#, #""data_offsets":\#(list(4))"#]
                    members.append(#""t\#(index)":{"# + fields.filter { _ in generator.next() % 8 != 0 }.joined(separator: ",") + "}")
                }
            }
            if generator.next() % 3 == 0 {
                members.insert(pick([#""__metadata__":{"format":"pt"}"#, #""__metadata__":{"n":1}"#, #""__metadata__":[]"#]), at: 0)
            }
            let dataSize = generator.next() % 4 == 0 ? Int(generator.next() % 64) : offset
            let data = (0 ..< dataSize).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let header = "{" + members.joined(separator: ",") + "}" + String(repeating: " ", count: Int(generator.next() % 8))
            exercise(safeTensorsBytes(header: header, data: data), &outcomes, "random header \(round): \(header)")
            let noise = (0 ..< generator.next() % 48).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            exercise(noise, &outcomes, "random bytes \(round)")
        }
        #expect(outcomes.opened > 500 && outcomes.refused > 500)
    }
}
