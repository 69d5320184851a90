import Foundation
import Models

/// An adapter named on the command line: `DIR` (the adapter `default`, or the folder's name for the
/// second and later ones) or `NAME=DIR`.
public struct AdapterReference: Equatable, Sendable {
    public var name: String?
    public var directory: URL

    /// Parses `NAME=DIR` or `DIR`.
    public init(_ text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let path = parts.count == 2 ? parts[1] : text
        guard !path.isEmpty, parts.count == 1 || !parts[0].isEmpty else {
            throw TunerError.invalidValue(field: "--adapter", reason: "\"\(text)\" is not DIR or NAME=DIR")
        }
        name = parts.count == 2 ? parts[0] : nil
        directory = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }
}

extension PeftModel {
    /// Loads several saved adapters onto `model`: the first as PEFT's `from_pretrained` (active), the
    /// others as `load_adapter`. Unnamed adapters are `default` (the first) or their folder's name. A
    /// folder whose one adapter sits in a sub-folder (`save_pretrained` of a named adapter) loads it.
    public static func loading(_ model: any PretrainedModel, adapters: [AdapterReference]) throws -> PeftModel {
        guard let first = adapters.first else { throw TunerError.invalidValue(field: "--adapter", reason: "give at least one adapter folder") }
        let peft = try fromPretrained(model, directory: AdapterFolder.resolve(first.directory), adapterName: first.name ?? AdapterFiles.defaultAdapterName)
        for reference in adapters.dropFirst() {
            let folder = try AdapterFolder.resolve(reference.directory)
            try peft.loadAdapter(directory: folder, name: reference.name ?? folder.lastPathComponent)
        }
        return peft
    }
}
