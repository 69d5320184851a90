import FileAccess
import Foundation
import Models
import Tensors

extension PeftModel {
    /// PEFT's `PeftModel.from_pretrained(model, directory)`: reads `adapter_config.json` (of the method
    /// its `peft_type` names), injects the adapter as `adapterName` (active) and loads `adapter_model.safetensors`. Unless `isTrainable`,
    /// the adapter is loaded for inference (its tensors do not train).
    public static func fromPretrained(_ model: any PretrainedModel, directory: URL, adapterName: String = AdapterFiles.defaultAdapterName,
                                      isTrainable: Bool = false) throws -> PeftModel {
        var config = try PeftConfigs.read(contentsOf: directory.appendingPathComponent(AdapterFiles.configFileName))
        config.base.inferenceMode = !isTrainable
        let peft = try PeftModel(model: model, config: config, adapterName: adapterName)
        try peft.loadAdapterState(Self.weights(in: directory), adapter: adapterName)
        return peft
    }

    /// PEFT's `load_adapter(directory, name)`: adds the adapter saved in `directory` under `name`
    /// (not active; see `setAdapter`). If loading the weights fails, the adapter is removed again.
    public func loadAdapter(directory: URL, name: String, isTrainable: Bool = false) throws {
        let weights = try Self.weights(in: directory)
        var config = try PeftConfigs.read(contentsOf: directory.appendingPathComponent(AdapterFiles.configFileName))
        config.base.inferenceMode = !isTrainable
        try addAdapter(name, config: config)
        do {
            try loadAdapterState(weights, adapter: name)
        } catch {
            try? deleteAdapter(name)
            throw error
        }
    }

    /// PEFT's `save_pretrained(directory)`: per adapter (default: all but Arrow routers, which have no weights), `adapter_config.json` and
    /// `adapter_model.safetensors`; the default adapter at the top of `directory`, others in a
    /// sub-folder named after them. Each file is written to a temporary name and renamed into place.
    public func savePretrained(directory: URL, selectedAdapters: [String]? = nil) throws {
        let selected = selectedAdapters ?? adapterNames.filter { !isArrowRouter($0) }
        for name in selected { try requireAdapter(name) }
        for name in selected {
            try saveAdapter(name, to: name == AdapterFiles.defaultAdapterName ? directory : directory.appendingPathComponent(name))
        }
    }

    /// Writes the adapter `name` as a PEFT adapter folder at `folder` itself (whatever its name), as
    /// `save_pretrained` writes the default adapter.
    public func saveAdapter(_ name: String, to folder: URL) throws {
        try requireAdapter(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TunerError.invalidConfig(path: folder.path, reason: "cannot create the folder: \(FileProblem.writing(folder, error: error))")
        }
        let tensors = try savedAdapterTensors(name)
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: folder.appendingPathComponent(AdapterFiles.weightsFileName))
        var config = configs[name]!
        config.base.inferenceMode = true
        config.base.peftVersion = PeftBaseFields.compatiblePeftVersion
        try config.write(to: folder)
    }

    /// The adapter weights file of a folder, or an error saying what the folder lacks.
    private static func weights(in directory: URL) throws -> SafeTensorsFile {
        let url = directory.appendingPathComponent(AdapterFiles.weightsFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TunerError.invalidConfig(path: directory.path, reason: "no \(AdapterFiles.weightsFileName) here; an adapter folder holds adapter_config.json and adapter_model.safetensors (as PEFT's save_pretrained writes them)")
        }
        return try SafeTensorsFile(contentsOf: url)
    }
}
