#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The read-only bytes of a file, memory-mapped so that opening a large checkpoint costs no reading
/// and only the tensors actually loaded are paged in; or a private copy of bytes held in memory.
/// The mapping lives as long as this object.
final class MappedBytes: @unchecked Sendable {
    /// The bytes; valid until this object is released.
    let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

    /// Maps the file at `path`. An empty file maps to no bytes.
    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SafeTensorsError.io(file: path, reason: Self.systemError("cannot open")) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SafeTensorsError.io(file: path, reason: Self.systemError("cannot read the file's size"))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw SafeTensorsError.io(file: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            isMapped = false
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw SafeTensorsError.io(file: path, reason: Self.systemError("cannot memory-map"))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        isMapped = true
    }

    /// A private copy of `contents`.
    init(copying contents: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: contents.count, alignment: 16)
        copy.copyBytes(from: contents)
        bytes = UnsafeRawBufferPointer(copy)
        isMapped = false
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    private static func systemError(_ what: String) -> String {
        "\(what): \(String(cString: strerror(errno)))"
    }
}
