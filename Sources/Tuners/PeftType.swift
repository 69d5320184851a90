/// The tuner methods of the LoRA family, under the `peft_type` strings PEFT writes into
/// `adapter_config.json`.
public enum PeftType: String, Sendable, CaseIterable, Codable {
    case lora = "LORA"
    case adalora = "ADALORA"
    case loha = "LOHA"
    case lokr = "LOKR"
    case vblora = "VBLORA"
    case randlora = "RANDLORA"

    /// The method named by a `peft_type` value, or nil for one lorakit does not implement.
    public init?(peftString: String) {
        self.init(rawValue: peftString.uppercased())
    }
}
