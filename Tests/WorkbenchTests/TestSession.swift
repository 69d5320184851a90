import Foundation
import Workbench

/// A scratch folder with a small LLaMA (config.json and the built-in tokenizer; weights come from
/// `load --from-scratch`) and a controller whose runs, history and themes stay inside the checkout
/// or the folder. The folder is removed when the session goes (a run still going is stopped first).
final class TestSession {
    let folder: URL
    let controller: Controller

    /// The repository root, from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built-in tokenizer (vocabulary 4096).
    static let tokenizer = repository.appendingPathComponent("Sources/Models/Resources/builtin/tiny-llama/tokenizer.json")

    init(loaded: Bool = true) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-\(UUID().uuidString)")
        try Self.writeModel(to: folder.appendingPathComponent("model"))
        controller = Controller(environment: WorkbenchEnvironment(
            themeDirectories: [Self.repository.appendingPathComponent("themes")],
            historyFile: folder.appendingPathComponent("state/history"), runsDirectory: folder.appendingPathComponent("runs"),
            lorakitExecutable: TmuxEndToEndTests.lorakit))
        if loaded { try controller.execute("load \(modelPath) --from-scratch") }
    }

    deinit {
        controller.job?.stop()
        controller.job?.wait()
        controller.generation?.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    var modelPath: String { folder.appendingPathComponent("model").path }

    /// A 2-layer LLaMA of width 32 with the built-in tokenizer's vocabulary.
    static func writeModel(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 4096, "hidden_size": 32,
         "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
         "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
         "hidden_act": "silu", "tie_word_embeddings": true, "initializer_range": 0.02, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 1}
        """.write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("tokenizer.json"))
        try FileManager.default.copyItem(at: tokenizer, to: directory.appendingPathComponent("tokenizer.json"))
    }

    /// The text of the log's entries after the `count`-th.
    func output(after count: Int = 0) -> String {
        controller.log.entries.dropFirst(count).map(\.text).joined(separator: "\n")
    }

    /// Runs `line` and returns what it printed.
    @discardableResult
    func run(_ line: String) throws -> String {
        let before = controller.log.entries.count
        try controller.execute(line)
        return output(after: before + 1)
    }

    /// The error `line` fails with.
    func failure(_ line: String) -> String {
        do {
            try controller.execute(line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    /// A short training run, waited for.
    func train(steps: Int = 4) throws {
        try run("train max_steps=\(steps) batch_size=2 seq_len=16 eval_every=2 eval_split=0.01")
        controller.job?.wait()
    }
}
