import JSON

/// PEFT's `LoraRuntimeConfig` (`runtime_config`): settings of a run, not of the adapter. PEFT does
/// not save it; a file that has it keeps it on a round trip. Its one field, `ephemeral_gpu_offload`,
/// moves weights to the GPU for DoRA and other initialisation work; on lorakit's CPU engine it
/// changes nothing.
public struct LoraRuntimeConfig {
    public var ephemeralGpuOffload = false
    /// The object as read, written back unchanged.
    var json: JSONValue

    static let field = "runtime_config"

    /// What lorakit says, once, when `ephemeral_gpu_offload` is on.
    static let cpuNote = "runtime_config.ephemeral_gpu_offload has no effect here: lorakit trains on the CPU, so there is no GPU to offload to"

    init(json: JSONValue) throws {
        guard let members = json.members else {
            throw TunerError.invalidValue(field: Self.field, reason: "must be an object such as {\"ephemeral_gpu_offload\": false}, not \(json.typeName)")
        }
        for (key, value) in members {
            guard key == "ephemeral_gpu_offload" else {
                throw TunerError.invalidValue(field: Self.field, reason: "\(key) is not a field of PEFT's LoraRuntimeConfig (it has ephemeral_gpu_offload)")
            }
            guard case let .bool(flag) = value else {
                throw TunerError.invalidValue(field: "\(Self.field).ephemeral_gpu_offload", reason: "must be true or false, not \(value.typeName)")
            }
            ephemeralGpuOffload = flag
        }
        self.json = json
    }
}
