import FixtureSupport
import Foundation
import Models
import Tensors
import Tuners

/// What the Tuners parity tests share: loading a case's base model and adapters, and running it.
extension FixtureCase {
    /// `shared/models/all-MiniLM-L6-v2`, beside the repository (see BaseModelParityTests).
    static let miniLMDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/models/all-MiniLM-L6-v2")

    /// The case's base model: its `base/` folder, or the real MiniLM for the MiniLM case.
    func loadBase() throws -> any PretrainedModel {
        let folder = FileManager.default.fileExists(atPath: directory.appendingPathComponent("base").path)
            ? directory.appendingPathComponent("base") : Self.miniLMDirectory
        return try ModelLoader.load(directory: folder).model
    }

    /// A folder of the case (`adapter`, `adapter_first`, ...).
    func folder(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The base model with the case's `adapter/` loaded as PEFT's `from_pretrained` (trainable, so the
    /// trainable-parameter counts are those of `get_peft_model`).
    func loadAdapted() throws -> PeftModel {
        try PeftModel.fromPretrained(loadBase(), directory: folder("adapter"), isTrainable: true)
    }

    /// The main output: logits, or the last hidden state of a bare encoder.
    func output(of model: PeftModel) throws -> Tensor {
        let output = try GradMode.withoutGradients { try model.forward(input()) }
        return output.logits ?? output.lastHiddenState
    }

    /// Expected tensor names starting with `prefix`, the prefix removed.
    func expectedNames(withPrefix prefix: String) throws -> [String] {
        try expected.names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// `expected.json`'s `trainable_parameters`.
    func expectedCounts(_ object: Any?) -> TrainableParameterCounts? {
        guard let counts = object as? [String: Any], let trainable = counts["trainable"] as? Int, let total = counts["total"] as? Int else { return nil }
        return TrainableParameterCounts(trainable: trainable, total: total)
    }

    /// The name of the adapted-output tensor (`logits_adapted`, or MiniLM's `last_hidden_state_adapted`).
    func outputName(_ kind: String) throws -> String {
        try expected.info(named: "logits_\(kind)") != nil ? "logits_\(kind)" : "last_hidden_state_\(kind)"
    }
}

/// The parameter of a module weight named as in `model.safetensors` (`model.layers.0.self_attn.q_proj.weight`),
/// looked up in a plain (unloaded) model.
func parameter(_ name: String, in model: any PretrainedModel) -> Parameter? {
    model.namedParameters().first { $0.name == name }?.parameter
}
