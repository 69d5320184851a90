import Foundation
import Models
import Tensors

/// A resumable snapshot of a run, in `output_dir/checkpoint-<step>/`: the trained weights
/// (`model.safetensors`), the optimizer's buffers (`optimizer.safetensors`) and step counts
/// (`optimizer.json`), the data position with every random generator (`trainer_state.json`), and
/// whatever else the run adds (an adapter run: the adapter as PEFT saves it, so the checkpoint
/// loads as a PEFT adapter). It is written into a temporary folder that is renamed into place, so a
/// crash never leaves a half-written checkpoint.
public enum TrainingCheckpoint {
    static let weightsFile = "model.safetensors", optimizerBuffers = "optimizer.safetensors"
    static let optimizerFile = "optimizer.json", stateFile = "trainer_state.json"

    /// Step counts and group settings; the buffers go to safetensors.
    struct OptimizerSummary: Codable {
        var learningRates: [Double]
        var weightDecays: [Double]
        var steps: [Int?]
    }

    /// Writes a checkpoint of `trainer` (whose trainable weights are `weights`, by name) into
    /// `folder`; `extra` writes more files into the folder before it is renamed into place.
    public static func write(_ trainer: Trainer, weights: [String: Tensor], to folder: URL, extra: (URL) throws -> Void = { _ in }) throws {
        let fileManager = FileManager.default
        let temporary = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial")
        try? fileManager.removeItem(at: temporary)
        try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
        try SafeTensorsWriter.write(weights, metadata: ["format": "pt"], to: temporary.appendingPathComponent(weightsFile))
        let state = trainer.optimizer.state()
        var buffers: [String: Tensor] = [:]
        for (index, entry) in state.parameters.enumerated() {
            for (name, values) in entry?.buffers ?? [:] { buffers["\(index).\(name)"] = Tensor(shape: [values.count], data: values) }
        }
        try SafeTensorsWriter.write(buffers, to: temporary.appendingPathComponent(optimizerBuffers))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(OptimizerSummary(learningRates: state.learningRates, weightDecays: state.weightDecays,
                                            steps: state.parameters.map { $0?.step }))
            .write(to: temporary.appendingPathComponent(optimizerFile))
        try encoder.encode(trainer.currentPosition()).write(to: temporary.appendingPathComponent(stateFile))
        try extra(temporary)
        try? fileManager.removeItem(at: folder)
        try fileManager.moveItem(at: temporary, to: folder)
    }

    /// Restores weights, optimizer and data position from `folder` into a freshly built run.
    public static func restore(_ trainer: Trainer, weights: [String: Parameter], from folder: URL) throws {
        func fail(_ reason: String) -> DataError { DataError("cannot resume from \(folder.path): \(reason)") }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(stateFile).path) else {
            throw fail("it is not a checkpoint folder (no \(stateFile)); give an output_dir/checkpoint-N folder")
        }
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(weightsFile))
        guard Set(file.names) == Set(weights.keys) else {
            throw fail("its weights do not match this recipe's trainable parameters; was it made by the same recipe?")
        }
        for (name, parameter) in weights { try parameter.assign(file.tensor(named: name), name: name) }
        let decoder = JSONDecoder()
        let summary = try decoder.decode(OptimizerSummary.self, from: Data(contentsOf: folder.appendingPathComponent(optimizerFile)))
        let buffers = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(optimizerBuffers))
        var values = [[String: [Float]]](repeating: [:], count: summary.steps.count)
        for name in buffers.names {
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let index = Int(parts[0]), values.indices.contains(index) else {
                throw fail("\(optimizerBuffers) has an entry \(name) that belongs to no parameter")
            }
            values[index][String(parts[1])] = try buffers.tensor(named: name).scalars
        }
        let entries = summary.steps.enumerated().map { index, step in
            step.map { OptimizerState.PerParameter(step: $0, buffers: values[index]) }
        }
        try trainer.optimizer.load(OptimizerState(learningRates: summary.learningRates, weightDecays: summary.weightDecays, parameters: entries))
        trainer.restore(try decoder.decode(Trainer.DataPosition.self, from: Data(contentsOf: folder.appendingPathComponent(stateFile))))
    }
}
