import Foundation

/// The models and datasets that ship inside lorakit as package resources, so that it works on a
/// machine with nothing downloaded.
public enum BuiltinAssets {
    /// The folder holding every built-in asset.
    static var root: URL { Bundle.module.resourceURL!.appendingPathComponent("builtin") }

    /// Names usable as `builtin:NAME` for models (folders with a `config.json`).
    public static var modelNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/config.json").path)
        }.sorted()
    }

    /// The folder of the built-in model `name`, if there is one.
    public static func modelDirectory(named name: String) -> URL? {
        modelNames.contains(name) ? root.appendingPathComponent(name) : nil
    }

    /// Names usable as `builtin:NAME` for datasets (files in `data/`, named without extension).
    public static var datasetNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("data").path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") || $0.hasSuffix(".txt") }
            .map { ($0 as NSString).deletingPathExtension }.sorted()
    }

    /// The file of the built-in dataset `name`, if there is one.
    public static func datasetFile(named name: String) -> URL? {
        let folder = root.appendingPathComponent("data")
        return ["jsonl", "txt"].map { folder.appendingPathComponent("\(name).\($0)") }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
