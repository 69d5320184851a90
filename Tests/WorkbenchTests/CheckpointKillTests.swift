import Foundation
import Testing
@testable import Workbench

/// `lorakit train` killed with SIGKILL at random moments, three times (a fresh run, then two
/// resumes from the last checkpoint): every `checkpoint-N` left is whole and loads as a PEFT
/// adapter, and each resume goes on past the checkpoint it started from.
@Suite struct CheckpointKillTests {
    static let lorakit = TmuxEndToEndTests.lorakit

    /// Starts `lorakit ARGUMENTS` with its output in `log`; returns its process id.
    static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = ([lorakit.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        guard posix_spawn(&pid, lorakit.path, &actions, nil, argv, environ) == 0 else { throw CocoaError(.executableNotLoadable) }
        return pid
    }

    /// The steps of the checkpoints in `folder`, ascending.
    static func checkpoints(in folder: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { $0.hasPrefix("checkpoint-") ? Int($0.dropFirst("checkpoint-".count)) : nil }.sorted()
    }

    /// The newest step `metrics.jsonl` reports.
    static func lastStep(in folder: URL) -> Int {
        RunRecord.parse(metrics: (try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? "").steps.last?.step ?? 0
    }

    @Test func aRunKilledAtRandomMomentsLeavesOnlyWholeCheckpointsAndResumes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.lorakit.path), "lorakit must be built at \(Self.lorakit.path)")
        let session = try TestSession()
        let output = session.folder.appendingPathComponent("run")
        let recipe = session.folder.appendingPathComponent("recipe.yaml")
        try """
        model: \(session.modelPath)
        from_scratch: true
        adapter: {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]}
        data: builtin:fortunes
        output_dir: \(output.path)
        max_steps: 100000
        batch_size: 2
        seq_len: 16
        save_every: 3
        """.write(to: recipe, atomically: true, encoding: .utf8)
        let log = session.folder.appendingPathComponent("train.log").path
        var random = SplitMix(seed: 5)
        var resumeFrom: Int?
        for round in 0 ..< 3 {
            let arguments = ["train", recipe.path] + (resumeFrom.map { ["--resume", output.appendingPathComponent("checkpoint-\($0)").path] } ?? [])
            let pid = try Self.spawn(arguments, log: log)
            // Kill it a random number of steps after it has written a checkpoint past where it began.
            let start = resumeFrom ?? 0
            let target = start + 4 + Int(random.next() % 9)
            let deadline = Date().addingTimeInterval(300)
            while Self.lastStep(in: output) < target, (Self.checkpoints(in: output).last ?? 0) <= start, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
            while Self.lastStep(in: output) < target, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let saved = Self.checkpoints(in: output)
            let log = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            try #require(!saved.isEmpty, "round \(round): no checkpoint; log:\n\(log)")
            #expect(Self.lastStep(in: output) > start, "round \(round): the run went on past step \(start)")
            for step in saved {
                let folder = output.appendingPathComponent("checkpoint-\(step)")
                let files = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                #expect(files.isSuperset(of: ["adapter_config.json", "adapter_model.safetensors", "model.safetensors", "optimizer.safetensors",
                                              "optimizer.json", "trainer_state.json"]), "round \(round): checkpoint-\(step) holds \(files.sorted())")
                let name = "r\(round)s\(step)"
                #expect(session.controller.submit("adapter load \(folder.path) \(name)"), "round \(round): checkpoint-\(step) does not load: \(session.output())")
                session.controller.submit("adapter delete \(name)")
            }
            resumeFrom = saved.last
        }
    }
}
