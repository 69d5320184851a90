import Foundation
import Models
import Tensors

/// One PEFT parity case copied from `shared/fixtures` into `Tests/Fixtures/<name>`: its metadata,
/// tolerance, inputs and expected tensors. Shared by every test target that compares with PEFT.
public struct FixtureCase {
    /// `Tests/Fixtures`.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public let name: String
    public let directory: URL
    /// `case.json`.
    public let caseInfo: [String: Any]
    public let atol: Float, rtol: Float

    public init(_ name: String) throws {
        self.name = name
        directory = Self.root.appendingPathComponent(name)
        caseInfo = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("case.json"))) as! [String: Any]
        let tolerance = caseInfo["tolerance"] as! [String: Any]
        atol = (tolerance["atol"] as! NSNumber).floatValue
        rtol = (tolerance["rtol"] as! NSNumber).floatValue
    }

    /// What the case's expected outputs are named after (`logits_adapted`, `last_hidden_state_adapted`)
    /// and what `lorakit forward` writes: `last_hidden_state` for a bare model, else `logits`.
    public var outputName: String { caseInfo["task"] as? String == "feature_extraction" ? "last_hidden_state" : "logits" }

    /// `expected.safetensors`.
    public var expected: SafeTensorsFile { get throws { try SafeTensorsFile(contentsOf: directory.appendingPathComponent("expected.safetensors")) } }

    /// `expected.json`.
    public var expectedJSON: [String: Any] {
        get throws { try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("expected.json"))) as! [String: Any] }
    }

    /// The tolerance for one expected tensor: `tolerance_by_tensor` (exact names, or prefixes ending
    /// in `*`) where the case gives one, else the case's tolerance.
    public func tolerance(for tensorName: String) -> (atol: Float, rtol: Float) {
        guard let byTensor = caseInfo["tolerance_by_tensor"] as? [String: [String: Any]] else { return (atol, rtol) }
        let match = byTensor[tensorName] ?? byTensor.first { key, _ in key.hasSuffix("*") && tensorName.hasPrefix(String(key.dropLast())) }?.value
        guard let match else { return (atol, rtol) }
        return ((match["atol"] as! NSNumber).floatValue, (match["rtol"] as! NSNumber).floatValue)
    }

    /// The case's `inputs.safetensors` as a model input.
    public func input() throws -> ModelInput {
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("inputs.safetensors"))
        let shape = file.info(named: "input_ids")!.shape
        return try ModelInput(ids: file.integers(named: "input_ids"), batch: shape[0], length: shape[1],
                              attentionMask: file.info(named: "attention_mask") == nil ? nil : file.integers(named: "attention_mask"),
                              tokenTypeIds: file.info(named: "token_type_ids") == nil ? nil : file.integers(named: "token_type_ids"))
    }

    /// The case's `labels` (or nil), `[batch, length]`.
    public func labels() throws -> [Int]? {
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("inputs.safetensors"))
        return file.info(named: "labels") == nil ? nil : try file.integers(named: "labels")
    }

    /// Nil when `actual` matches the expected tensor `expectedName` as `torch.allclose` with this
    /// case's tolerance for it; otherwise what differs (shape, or the worst element).
    public func mismatch(_ actual: Tensor, expectedName: String) throws -> String? {
        let expected = try self.expected.tensor(named: expectedName)
        let (atol, rtol) = tolerance(for: expectedName)
        guard actual.shape == expected.shape else {
            return "\(name) \(expectedName): shape \(actual.shape), expected \(expected.shape)"
        }
        let a = actual.scalars, e = expected.scalars
        var worst: (index: Int, excess: Float)?
        for i in a.indices {
            let excess = abs(a[i] - e[i]) - (atol + rtol * abs(e[i]))
            if !(excess <= 0), excess.isNaN || excess > (worst?.excess ?? -1) { worst = (i, excess) }
        }
        return worst.map { "\(name) \(expectedName): element \($0.index) is \(a[$0.index]), expected \(e[$0.index]) (atol \(atol), rtol \(rtol))" }
    }
}
