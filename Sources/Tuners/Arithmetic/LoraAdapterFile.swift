import Foundation
import Models
import Tensors

/// A saved LoRA adapter read from its folder alone, without the base model: per module its factors
/// (`lora_A`/`lora_B`, or an Embedding's `lora_embedding_A`/`lora_embedding_B`), rank, alpha and
/// scaling as PEFT derives them from the config, and its parameter count. What the inspector shows
/// when no base model is given.
public struct LoraAdapterFile {
    /// One module's factors and settings.
    public struct Module {
        public let name: String
        public let delta: DeltaMatrix
        public let rank: Int
        public let alpha: Double
        public let scaling: Double
        /// Every tensor the adapter saved for the module (factors, biases, DoRA magnitudes).
        public let parameterCount: Int
    }

    public let config: LoraConfig
    /// In the order of the file's keys, sorted by module name.
    public let modules: [Module]

    /// Reads `folder` (or its one adapter sub-folder). Refuses other methods and DoRA, whose change
    /// to a weight depends on the base weight, saying to give the base model.
    public init(folder: URL) throws {
        let directory = try AdapterFolder.resolve(folder)
        let configURL = directory.appendingPathComponent(AdapterFiles.configFileName)
        let read = try PeftConfigs.read(contentsOf: configURL)
        guard let config = read as? LoraConfig else {
            throw TunerError.invalidConfig(path: configURL.path, reason: "a \(read.peftType.rawValue) adapter's change to a weight needs the base model; give it with --model")
        }
        guard !config.useDora else {
            throw TunerError.invalidConfig(path: configURL.path, reason: "a DoRA adapter's change to a weight depends on the base weight; give the base model with --model")
        }
        let weightsURL = directory.appendingPathComponent(AdapterFiles.weightsFileName)
        let file = try SafeTensorsFile(contentsOf: weightsURL)
        var factors: [String: (a: String?, b: String?)] = [:]
        for key in file.names {
            guard key.hasPrefix(AdapterFiles.keyPrefix) else { continue }
            let path = key.dropFirst(AdapterFiles.keyPrefix.count)
            for (suffix, isA) in [(".lora_A.weight", true), (".lora_B.weight", false), (".lora_embedding_A", true), (".lora_embedding_B", false)]
                where path.hasSuffix(suffix) {
                let module = String(path.dropLast(suffix.count))
                var entry = factors[module] ?? (nil, nil)
                if isA { entry.a = key } else { entry.b = key }
                factors[module] = entry
            }
        }
        guard !factors.isEmpty else {
            throw TunerError.invalidConfig(path: weightsURL.path, reason: "holds no LoRA factors (keys \(AdapterFiles.keyPrefix)….lora_A.weight / lora_B.weight)")
        }
        modules = try factors.keys.sorted().map { name in
            guard let aKey = factors[name]?.a, let bKey = factors[name]?.b else {
                throw TunerError.invalidConfig(path: weightsURL.path, reason: "\(name) has only one of its two LoRA factors")
            }
            let a = try file.tensor(named: aKey), b = try file.tensor(named: bKey)
            guard a.rank == 2, b.rank == 2, a.shape[0] == b.shape[1] else {
                throw TunerError.invalidConfig(path: weightsURL.path, reason: "\(name)'s factors \(a.shape) and \(b.shape) are not [r, in] and [out, r] of one rank")
            }
            let (r, alpha) = try config.rankAndAlpha(for: name)
            guard r == a.shape[0], r > 0 else {
                throw TunerError.invalidConfig(path: weightsURL.path, reason: "\(name) has rank \(a.shape[0]) in the file but r = \(r) in the config")
            }
            let scaling = config.scaling(r: r, alpha: alpha)
            let prefix = AdapterFiles.keyPrefix + name + "."
            let count = file.tensorInfos.filter { $0.name.hasPrefix(prefix) }.reduce(0) { $0 + $1.elementCount }
            return Module(name: name, delta: .lowRank(b: b, a: a, scaling: Float(scaling)), rank: r, alpha: alpha, scaling: scaling, parameterCount: count)
        }
        self.config = config
    }
}
