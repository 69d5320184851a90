import JSON

/// The `bias` field of the methods that spell their own-layer mode after themselves (VB-LoRA's
/// `"vblora_only"`, RandLoRA's `"randlora_only"`), read into and written from LoRA's three modes.
enum MethodBias {
    /// The mode `json`'s `bias` names (default `"none"`); `prefix` is the method's (`vblora`).
    static func read(_ reader: JSONFieldReader, prefix: String) throws -> LoraConfig.Bias {
        let text = try reader.string("bias") ?? "none"
        switch text {
        case "none": return .none
        case "all": return .all
        case "\(prefix)_only": return .loraOnly
        default: throw TunerError.invalidValue(field: "bias", reason: "\"\(text)\" is not one of \"none\", \"all\", \"\(prefix)_only\"")
        }
    }

    /// The JSON spelling of `bias` for the method of `prefix`.
    static func json(_ bias: LoraConfig.Bias, prefix: String) -> JSONValue {
        .string(bias == .loraOnly ? "\(prefix)_only" : bias.rawValue)
    }
}
