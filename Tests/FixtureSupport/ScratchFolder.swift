import Foundation

/// A fresh folder under the temporary directory for one test to write in, removed with all it holds
/// when the value is released (at the end of the scope that holds it).
public final class ScratchFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// `url`'s entry `name`, a folder (or file) for the test to make.
    public func folder(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
