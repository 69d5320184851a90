import Foundation
import Models
import Tensors
import Testing

/// One PEFT parity case copied into `Tests/Fixtures/<name>`: its tolerance, inputs and expected tensors.
struct FixtureCase {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    let name: String
    let directory: URL
    let caseInfo: [String: Any]
    let atol: Float, rtol: Float

    init(_ name: String) throws {
        self.name = name
        directory = Self.root.appendingPathComponent(name)
        caseInfo = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("case.json"))) as! [String: Any]
        let tolerance = caseInfo["tolerance"] as! [String: Any]
        atol = (tolerance["atol"] as! NSNumber).floatValue
        rtol = (tolerance["rtol"] as! NSNumber).floatValue
    }

    var expected: SafeTensorsFile { get throws { try SafeTensorsFile(contentsOf: directory.appendingPathComponent("expected.safetensors")) } }

    /// The case's `inputs.safetensors` as a model input.
    func input() throws -> ModelInput {
        let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("inputs.safetensors"))
        let shape = file.info(named: "input_ids")!.shape
        return try ModelInput(ids: file.integers(named: "input_ids"), batch: shape[0], length: shape[1],
                              attentionMask: file.info(named: "attention_mask") == nil ? nil : file.integers(named: "attention_mask"),
                              tokenTypeIds: file.info(named: "token_type_ids") == nil ? nil : file.integers(named: "token_type_ids"))
    }

    /// Checks `actual` against `expected` as `torch.allclose(actual, expected, rtol, atol)`.
    func expectClose(_ actual: Tensor, _ expected: Tensor, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, "\(name) \(label): shape", sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let a = actual.scalars, e = expected.scalars
        var worst: (index: Int, excess: Float)?
        for i in a.indices {
            let excess = abs(a[i] - e[i]) - (atol + rtol * abs(e[i]))
            if !(excess <= 0), excess > (worst?.excess ?? -1) || excess.isNaN { worst = (i, excess) }
        }
        if let worst {
            Issue.record("\(name) \(label): element \(worst.index) is \(a[worst.index]), expected \(e[worst.index]) (atol \(atol), rtol \(rtol))",
                         sourceLocation: sourceLocation)
        }
    }
}
