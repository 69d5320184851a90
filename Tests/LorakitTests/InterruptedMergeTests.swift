import FixtureSupport
import Foundation
import Models
import Testing

/// `lorakit merge` stopped mid-write by Ctrl-C (SIGINT) or SIGTERM, as a user stops it: it leaves no
/// temporary file and the earlier export in the folder as it was; Ctrl-C says so and exits 130,
/// SIGTERM ends the process by that signal.
@Suite struct InterruptedMergeTests {
    /// A randomly initialised LLaMA of about 37M parameters (a 150 MB checkpoint, so that its merged
    /// export is still being written when the signal comes) and a LoRA adapter on its attention.
    static func modelAndAdapter(in scratch: ScratchFolder) throws -> (model: URL, adapter: URL) {
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: FixtureCase.root.appendingPathComponent("base_llama/base/config.json"))) as? [String: Any])
        for (key, value) in ["hidden_size": 512, "intermediate_size": 1536, "num_hidden_layers": 6, "num_attention_heads": 8,
                             "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 16000] {
            config[key] = value
        }
        let model = scratch.folder("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let configFile = model.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)
        try ModelWriter.save(ModelLoader.initialize(config: ConfigReader(contentsOf: configFile), seed: 3), companionsFrom: model, to: model)
        let adapterConfig = scratch.folder("adapter_config.json")
        try #"{"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "target_modules": ["q_proj", "v_proj"]}"#
            .write(to: adapterConfig, atomically: true, encoding: .utf8)
        let initialized = try LorakitBinary.run(["init", "--model", model.path, "--config", adapterConfig.path, "--out", scratch.folder("init").path])
        #expect(initialized.status == 0, "\(initialized.error)")
        return (model, scratch.folder("init/adapter"))
    }

    @Test func aSignalDuringTheWriteLeavesNoTemporaryFileAndTheEarlierExport() throws {
        let scratch = try ScratchFolder()
        let (model, adapter) = try Self.modelAndAdapter(in: scratch)
        let out = scratch.folder("merged")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let earlier = Data("an earlier export".utf8)
        try earlier.write(to: out.appendingPathComponent("model.safetensors"))
        for signal in [SIGINT, SIGTERM] {
            let job = try LorakitBinary.Job(["merge", "--model", model.path, "--adapter", adapter.path, "--out", out.path], in: scratch.url)
            // The signal goes once the weights' temporary file is there, while it is being written.
            while job.process.isRunning, try !FileManager.default.contentsOfDirectory(atPath: out.path).contains(where: { $0.contains(".tmp-") }) {
                Thread.sleep(forTimeInterval: 0.002)
            }
            kill(job.process.processIdentifier, signal)
            let result = job.finish()
            #expect(!result.output.contains("merged "), "the merge ended before the signal came: \(result.output)")
            if signal == SIGINT {
                #expect(job.process.terminationReason == .exit && result.status == 130, "\(result.status) \(result.error)")
                #expect(result.error.contains("merge stopped by Ctrl-C (SIGINT) before the file was complete"), "\(result.error)")
            } else {
                #expect(job.process.terminationReason == .uncaughtSignal && result.status == SIGTERM, "\(result.status) \(result.error)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["model.safetensors"])
            #expect(try Data(contentsOf: out.appendingPathComponent("model.safetensors")) == earlier)
        }
    }
}
