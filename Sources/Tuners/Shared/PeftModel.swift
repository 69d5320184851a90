import Models
import Tensors

/// A model with adapters of one LoRA-family method, PEFT's `PeftModel` over its tuner model (`LoraModel`,
/// `AdaLoraModel`): it wraps the target modules of `model` in adapter layers (in place, so `model.forward` computes the adapted output), holds every
/// adapter's config, and offers PEFT's operations under PEFT's names.
public final class PeftModel {
    /// The model being adapted (PEFT's `base_model.model`); its module tree holds the adapter layers.
    public let model: any PretrainedModel
    /// Each adapter's config, by name.
    public internal(set) var configs: [String: any PeftConfig] = [:]
    /// Adapter names in the order they were added.
    public internal(set) var adapterNames: [String] = []
    /// The adapters that take part in the forward pass (`base_model.active_adapters`).
    public internal(set) var activeAdapters: [String] = []
    /// Whether `disable_adapters` is in effect.
    public internal(set) var adaptersDisabled = false
    /// Full names of every module any adapter wrapped (`targeted_module_names`).
    public internal(set) var targetedModuleNames: [String] = []
    /// Notes PEFT would give as warnings (unknown config keys, fan_in_fan_out corrected, ...), each once.
    public internal(set) var warnings: [String] = []
    /// Adapters whose parameters train when active (not loaded for inference).
    var trainableAdapters: Set<String> = []
    /// Set when deleting the active adapter left none active (PEFT's rule); forward refuses until
    /// `setAdapter` names one.
    var deletedActiveAdapter: String?
    var generator: RandomGenerator

    /// PEFT's `get_peft_model(model, config, adapter_name)`: injects a fresh adapter, active and
    /// trainable. `seed` makes the initial adapter weights reproducible.
    public init(model: any PretrainedModel, config: any PeftConfig, adapterName: String = AdapterFiles.defaultAdapterName, seed: UInt64 = 0) throws {
        self.model = model
        generator = RandomGenerator(seed: seed)
        try inject(adapterName, config: config, activate: true)
    }

    /// The first active adapter (PEFT's `PeftModel.active_adapter`).
    public var activeAdapter: String? { activeAdapters.first }

    /// Runs the adapted model.
    public func forward(_ input: ModelInput) throws -> ModelOutput {
        if let deleted = deletedActiveAdapter {
            throw TunerError.invalidState("the active adapter \(deleted) was deleted and no other adapter became active; call setAdapter with one of: \(adapterNames.joined(separator: ", "))")
        }
        return try model.forward(input)
    }

    /// Every adapter layer with its full name, in module order.
    public var adapterLayers: [(name: String, layer: any AdapterLayer)] {
        model.namedModules().compactMap { name, module in (module as? any AdapterLayer).map { (name, $0) } }
    }

    /// Every `modules_to_save` wrapper with its full name.
    public var modulesToSaveWrappers: [(name: String, wrapper: ModulesToSaveWrapper)] {
        model.namedModules().compactMap { name, module in (module as? ModulesToSaveWrapper).map { (name, $0) } }
    }

    /// Full names of the modules wrapped in an adapter layer, sorted.
    public var wrappedModuleNames: [String] { adapterLayers.map(\.name).sorted() }

    /// Full names of the modules holding `adapter`, sorted.
    public func wrappedModuleNames(of adapter: String) -> [String] {
        adapterLayers.filter { $0.layer.adapterNames.contains(adapter) }.map(\.name).sorted()
    }

    func note(_ warning: String) {
        if !warnings.contains(warning) { warnings.append(warning) }
    }

    func requireAdapter(_ name: String) throws {
        guard configs[name] != nil else { throw TunerError.unknownAdapter(name, available: adapterNames) }
    }
}
