import Models
import Tensors

/// A tensor that belongs to one adapter as a whole rather than to one of its layers, as PEFT keeps
/// VB-LoRA's vector bank and RandLoRA's random bases on the tuner model (`base_model.<name>.<adapter>`).
/// The method makes it once, before any layer is wrapped (PEFT's `_pre_injection_hook`, here
/// `PeftConfig.prepareSharedTensors`), and every layer of the adapter holds that one object, so each
/// layer's gradient adds into its one gradient. It is saved once, under `base_model.<name>`, and goes
/// with the adapter's config when the adapter is deleted.
///
/// A trainable one must be reachable in the module tree (the method's layers register it, as PEFT's
/// layers do), so that parameter counts, the trainer and checkpoints see it once. A frozen one is
/// PEFT's buffer: the layers hold it outside the tree, and it counts as no parameter.
public struct SharedAdapterTensor {
    /// The name PEFT gives it (`vblora_vector_bank`, `randlora_A`).
    public let name: String
    public let parameter: Parameter
    /// Whether it trains with the adapter (VB-LoRA's bank) or stays fixed (RandLoRA's bases).
    public let trains: Bool
    /// Whether PEFT also saves it under every layer that holds it (RandLoRA's `M.randlora_A`, the
    /// buffer each layer references), besides the one key at the top.
    public let savedPerLayer: Bool

    public init(name: String, parameter: Parameter, trains: Bool, savedPerLayer: Bool) {
        (self.name, self.parameter, self.trains, self.savedPerLayer) = (name, parameter, trains, savedPerLayer)
    }

    /// The key it is saved under once: `base_model.<name>`.
    public var savedKey: String { AdapterFiles.sharedKeyPrefix + name }

    /// The most elements lorakit makes one adapter tensor of (a gibibyte of float32), so that a
    /// mistyped size in a config is refused rather than exhausting memory.
    static let maximumElements = 1 << 28

    /// Refuses a tensor of `shape` for `field` when it would exceed `maximumElements`.
    static func checkSize(_ shape: [Int], field: String, what: String) throws {
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).overflow ? Int.max : $0 * max($1, 0) }
        guard count <= maximumElements else {
            throw TunerError.invalidValue(field: field, reason: "\(what) would be \(shape.map(String.init).joined(separator: "×")) values, more than the \(maximumElements) lorakit makes one adapter tensor of; use a smaller \(field)")
        }
    }
}

/// One tensor of a saved adapter as loading sees it: its key, its shape and how to read its values.
/// A method whose saved form differs from its live tensors (VB-LoRA's top-k form) rebuilds these.
public struct SavedAdapterTensor {
    public let name: String
    public let shape: [Int]
    public let values: () throws -> Tensor

    public init(name: String, shape: [Int], values: @escaping () throws -> Tensor) {
        (self.name, self.shape, self.values) = (name, shape, values)
    }

    /// Every tensor of `file`, as it is.
    static func all(in file: SafeTensorsFile) -> [SavedAdapterTensor] {
        file.tensorInfos.map { info in SavedAdapterTensor(name: info.name, shape: info.shape) { try file.tensor(named: info.name) } }
    }
}
