import JSON

/// The fields of PEFT's `PeftConfig` that every method's config has, under PEFT's keys.
public struct PeftBaseFields {
    /// `peft_type`: the method.
    public var peftType: PeftType
    /// `task_type`: `CAUSAL_LM`, `SEQ_CLS`, `FEATURE_EXTRACTION`, ... (nil: none given).
    public var taskType: TaskType?
    public var baseModelNameOrPath: String?
    public var revision: String?
    /// True in saved configs; a loaded adapter in inference mode does not train.
    public var inferenceMode = false
    /// `peft_version`, written by PEFT; lorakit writes the version it is compatible with.
    public var peftVersion: String? = PeftBaseFields.compatiblePeftVersion
    /// `auto_mapping`, kept as read.
    public var autoMapping: JSONValue = .null

    /// The PEFT release whose format lorakit reads and writes.
    public static let compatiblePeftVersion = "0.21.2"

    /// The keys these fields are saved under.
    static let keys: Set<String> = ["peft_type", "task_type", "base_model_name_or_path", "revision", "inference_mode", "peft_version", "auto_mapping"]

    public init(peftType: PeftType) {
        self.peftType = peftType
    }

    /// Reads the base fields of a config of `method`; `peft_type`, when given, must name it.
    init(_ reader: JSONFieldReader, method: PeftType) throws {
        if let type = try reader.string("peft_type") {
            guard PeftType(peftString: type) == method else {
                throw TunerError.invalidValue(field: "peft_type", reason: "\(type) is not \(method.rawValue); this adapter was made by another PEFT method")
            }
        }
        peftType = method
        taskType = try reader.string("task_type").map { try TaskType(field: "task_type", text: $0) }
        baseModelNameOrPath = try reader.string("base_model_name_or_path")
        revision = try reader.string("revision")
        inferenceMode = try reader.bool("inference_mode") ?? false
        peftVersion = try reader.string("peft_version")
        autoMapping = reader.values["auto_mapping"] ?? .null
    }

    /// The members PEFT writes for these fields.
    var json: [(key: String, value: JSONValue)] {
        [
            ("peft_type", .string(peftType.rawValue)),
            ("task_type", taskType.map { .string($0.rawValue) } ?? .null),
            ("base_model_name_or_path", baseModelNameOrPath.map { .string($0) } ?? .null),
            ("revision", revision.map { .string($0) } ?? .null),
            ("inference_mode", .bool(inferenceMode)),
            ("peft_version", peftVersion.map { .string($0) } ?? .null),
            ("auto_mapping", autoMapping),
        ]
    }
}
