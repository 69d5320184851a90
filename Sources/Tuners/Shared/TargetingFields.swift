import JSON

/// The fields with which every method's config chooses modules, under PEFT's keys:
/// `target_modules`, `exclude_modules`, `modules_to_save`, `layers_to_transform`, `layers_pattern`.
public struct TargetingFields: TargetingConfig, Sendable {
    public var targetModules: TargetModules?
    public var excludeModules: TargetModules?
    public var modulesToSave: [String]?
    public var layersToTransform: [Int]?
    /// Whether `layers_to_transform` was a single integer rather than a list.
    public var layersToTransformIsScalar = false
    public var layersPattern: [String]?
    public var layersPatternIsScalar = false

    /// The keys these fields are saved under.
    static let keys: Set<String> = ["target_modules", "exclude_modules", "modules_to_save", "layers_to_transform", "layers_pattern"]

    public init(targetModules: TargetModules? = nil) {
        self.targetModules = targetModules
    }

    init(_ reader: JSONFieldReader) throws {
        targetModules = try reader.values["target_modules"].flatMap { try TargetModules(json: $0, field: "target_modules") }
        excludeModules = try reader.values["exclude_modules"].flatMap { try TargetModules(json: $0, field: "exclude_modules") }
        modulesToSave = try reader.strings("modules_to_save")
        (layersToTransform, layersToTransformIsScalar) = try reader.intOrInts("layers_to_transform")
        (layersPattern, layersPatternIsScalar) = try reader.stringOrStrings("layers_pattern")
    }

    /// The members PEFT writes for these fields.
    var json: [(key: String, value: JSONValue)] {
        [
            ("target_modules", targetModules?.json ?? .null),
            ("exclude_modules", excludeModules?.json ?? .null),
            ("modules_to_save", modulesToSave.map { .strings($0) } ?? .null),
            ("layers_to_transform", layersToTransform.map { layersToTransformIsScalar && $0.count == 1 ? .int($0[0]) : .array($0.map { .int($0) }) } ?? .null),
            ("layers_pattern", layersPattern.map { layersPatternIsScalar && $0.count == 1 ? .string($0[0]) : .strings($0) } ?? .null),
        ]
    }

    /// The checks every method's `__post_init__` makes of these fields.
    func validate() throws {
        if let patterns = layersPattern, !patterns.isEmpty, layersToTransform == nil {
            throw TunerError.invalidValue(field: "layers_pattern", reason: "When `layers_pattern` is specified, `layers_to_transform` must also be specified.")
        }
        if case .allLinear? = excludeModules {
            throw TunerError.invalidValue(field: "exclude_modules", reason: "\"all-linear\" is only meaningful in target_modules")
        }
    }

    /// LoRA's further refusal of layer selection beside a regular-expression `target_modules`.
    func validateNoLayerSelectionWithPattern() throws {
        guard case .pattern? = targetModules else { return }
        if layersToTransform != nil {
            throw TunerError.invalidValue(field: "layers_to_transform", reason: "`layers_to_transform` cannot be used when `target_modules` is a str (a regular expression); list the module names instead")
        }
        if layersPattern != nil {
            throw TunerError.invalidValue(field: "layers_pattern", reason: "`layers_pattern` cannot be used when `target_modules` is a str (a regular expression)")
        }
    }
}
