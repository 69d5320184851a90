import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file under a temporary name in the target's folder and renames it over the target only
/// when everything was written and flushed to disk, so a crash or an error never leaves a
/// half-written file at the target path (and an existing file there stays intact until the rename).
/// Inside `WriteInterruption.catching` a Ctrl-C or SIGTERM stops it at the next append or the commit.
final class AtomicFileWriter {
    /// The final path.
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    /// Creates the temporary file next to `url`.
    init(url: URL) throws {
        path = url.path
        let folder = url.deletingLastPathComponent().path
        temporaryPath = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot create a temporary file in \(folder)") }
    }

    deinit {
        // Reached without `commit()` only after an error or an interruption: drop the partial file.
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    /// Appends `bytes` to the temporary file.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try WriteInterruption.check()
        var done = 0
        while done < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw Self.failure(path, "cannot write") }
            done += written
        }
    }

    /// Flushes the temporary file to disk and renames it to the final path.
    func commit() throws {
        try WriteInterruption.check()
        guard fsync(descriptor) == 0 else { throw Self.failure(path, "cannot flush to disk") }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0, rename(temporaryPath, path) == 0 else {
            let error = Self.failure(path, "cannot move the finished file into place")
            unlink(temporaryPath)
            throw error
        }
    }

    private static func failure(_ path: String, _ what: String) -> SafeTensorsError {
        .io(file: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
