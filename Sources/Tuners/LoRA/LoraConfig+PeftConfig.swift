import JSON
import Models
import Tensors

extension LoraConfig {
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        try LoraLayerFactory.addAdapter(name, to: target, key: key, config: &self, generator: &generator)
    }

    /// PEFT's `_pre_injection_hook` shares nothing for LoRA; lorakit readies the batch that computes
    /// the targets' data-free decompositions a core each (`LinearInitializationBatch`).
    public mutating func prepareSharedTensors(for targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws {
        linearStarts = LinearInitializationBatch(targets: targets, config: self)
    }

    /// PEFT's warning when `fan_in_fan_out` did not fit the layers.
    public func corrections(from original: any PeftConfig) -> [String] {
        let before = (original as? LoraConfig)?.fanInFanOut ?? (original as? AdaLoraConfig)?.lora.fanInFanOut ?? fanInFanOut
        return Self.fanInFanOutCorrection(before: before, after: fanInFanOut)
            + (runtimeConfig?.ephemeralGpuOffload == true ? [LoraRuntimeConfig.cpuNote] : [])
    }

    /// PEFT's `_prepare_model`: `layer_replication` expands the layer stack before targets are matched.
    public func prepareModel(_ model: any PretrainedModel) throws -> (() throws -> Void)? {
        try layerReplication.map { try $0.apply(to: model) }
    }

    public func moduleSummary(for name: String) throws -> String {
        let (r, alpha) = try rankAndAlpha(for: name)
        return Self.moduleSummary(r: r, alpha: alpha, alphaKey: "lora_alpha", scaling: scaling(r: r, alpha: alpha))
    }

    public var summary: String {
        "r=\(r) alpha=\(JSONValue.number(loraAlpha).pythonJSONText())" + (useDora ? " dora" : "")
    }
}
