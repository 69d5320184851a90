import Foundation

/// Fixture files copied from the PEFT parity set into `Tests/Fixtures`, found relative to this file.
enum SafeTensorsFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A LoRA adapter with F32 tensors and `{"format": "pt"}` metadata.
    static let loraAdapter = root.appendingPathComponent("lora_llama_qv/adapter/adapter_model.safetensors")
    /// Expected outputs, keys sorted, `{"case": "lora_llama_qv"}` metadata.
    static let loraExpected = root.appendingPathComponent("lora_llama_qv/expected.safetensors")
    /// I64 `input_ids` and `attention_mask`, no metadata.
    static let loraInputs = root.appendingPathComponent("lora_llama_qv/inputs.safetensors")
    /// An AdaLoRA adapter in which one module's rank was pruned to zero: tensors of shape `[0, 32]` etc.
    static let adaloraPruned = root.appendingPathComponent("adalora_llama_schedule/adapter/adapter_model.safetensors")

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
}

/// A fresh temporary folder, removed when the value is released.
final class SafeTensorsTemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names of the files in the folder, hidden ones included.
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// The bytes of a safetensors file with the given header text (unpadded) and data.
func safeTensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
}
