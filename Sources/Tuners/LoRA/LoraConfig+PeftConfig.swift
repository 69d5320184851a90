import Models
import Tensors

extension LoraConfig {
    /// A LoRA config is its own set of LoRA fields.
    public var lora: LoraConfig {
        get { self }
        set { self = newValue }
    }

    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        try LoraLayerFactory.addAdapter(name, to: target, key: key, config: &self, generator: &generator)
    }
}
