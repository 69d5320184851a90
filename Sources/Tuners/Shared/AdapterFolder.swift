import Foundation

/// Finds the adapter a folder holds. `save_pretrained` writes the default adapter at the top of
/// its folder and every other adapter in a sub-folder of its name, so a folder saved from a session
/// whose only adapter is `second` holds `second/adapter_config.json` and nothing at the top.
public enum AdapterFolder {
    /// `directory` when it holds `adapter_config.json`, else its one sub-folder that does; an error
    /// naming the sub-folders to choose from when there are several, or saying what is missing.
    public static func resolve(_ directory: URL) throws -> URL {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.appendingPathComponent(AdapterFiles.configFileName).path) { return directory }
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TunerError.invalidConfig(path: directory.path, reason: "no such folder; give the folder an adapter was saved to (it holds \(AdapterFiles.configFileName))")
        }
        let inside = ((try? manager.contentsOfDirectory(atPath: directory.path)) ?? []).sorted().filter {
            manager.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent(AdapterFiles.configFileName).path)
        }
        switch inside.count {
        case 1: return directory.appendingPathComponent(inside[0])
        case 0: throw TunerError.invalidConfig(path: directory.path, reason: "no \(AdapterFiles.configFileName) here or in a sub-folder; an adapter folder holds \(AdapterFiles.configFileName) and \(AdapterFiles.weightsFileName) (as PEFT's save_pretrained writes them)")
        default: throw TunerError.invalidConfig(path: directory.path, reason: "holds several adapters, one per sub-folder (\(inside.joined(separator: ", "))); give one, e.g. \(directory.appendingPathComponent(inside[0]).path)")
        }
    }
}
