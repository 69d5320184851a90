import Foundation
import Training

/// `train ranks=N`: `mpirun -np N lorakit train RECIPE` on this machine, a data-parallel job of N
/// processes, followed through the `metrics.jsonl` its rank 0 writes, so it shows like any run.
/// `stop` sends mpirun SIGUSR1, which it forwards to every rank (SIGINT would make it abort the
/// job), and the ranks stop together at the end of a step with a checkpoint.
/// What the job prints goes to `RECIPE.log` beside the recipe; its warnings and errors reach the log.
struct MPILaunch {
    let launcher: URL
    let arguments: [String]
    let outputDirectory: URL
    let outputFile: URL

    /// Open MPI's launcher on the `PATH`, if installed.
    static func findLauncher(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") -> URL? {
        path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The job for `ranks` ranks of `lorakit train recipe` into `outputDirectory`: as root when the
    /// workbench runs as root (Open MPI refuses without `--allow-run-as-root`), more ranks than cores
    /// allowed, over the loopback interface, ranks given 60 s to write their checkpoint after a stop.
    init(launcher: URL, lorakit: URL, ranks: Int, recipe: URL, outputDirectory: URL) {
        self.launcher = launcher
        self.outputDirectory = outputDirectory
        outputFile = recipe.deletingPathExtension().appendingPathExtension("log")
        arguments = (geteuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--mca", "btl_tcp_if_include", "lo",
            "--mca", "odls_base_sigkill_timeout", "60", "-np", String(ranks), lorakit.path, "train", recipe.path]
    }

    /// Runs the job to its end, passing each step, evaluation and the finish from `metrics.jsonl`
    /// to `listener`; `shouldStop` is asked every 50 ms. Fails with mpirun's status and the end of
    /// what it printed when it exits with an error.
    func run(shouldStop: () -> Bool, log: SessionLog, listener: (TrainingEvent) -> Void) throws {
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let pid = try spawn()
        var metrics = LineReader(url: outputDirectory.appendingPathComponent("metrics.jsonl"))
        var printed = LineReader(url: outputFile)
        var stopping = false
        var status: Int32 = 0
        while true {
            let exited = waitpid(pid, &status, WNOHANG) == pid
            for line in metrics.newLines() { if let event = Self.event(line) { listener(event) } }
            for line in printed.newLines() where line.contains("warning") || line.contains("rror") { log.append(.training, line) }
            if exited { break }
            if !stopping, shouldStop() {
                stopping = true
                kill(pid, SIGUSR1)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard code == 0 else {
            let tail = printed.all.suffix(3).joined(separator: " | ")
            throw CommandError("train", "mpirun exited with status \(code) (\(outputFile.path)): \(tail)")
        }
    }

    /// Starts mpirun with its output in `outputFile` and no signal blocked (a child inherits the
    /// thread's mask, and mpirun must see SIGUSR1).
    private func spawn() throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, outputFile.path, O_WRONLY | O_APPEND, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([launcher.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, launcher.path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw CommandError("train", "cannot start \(launcher.path): \(String(cString: strerror(result)))") }
        return pid
    }

    /// The event of one `metrics.jsonl` line (steps, evaluations and the finish; nil for others).
    static func event(_ line: String) -> TrainingEvent? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let kind = object["event"] as? String, let step = (object["step"] as? NSNumber)?.intValue else { return nil }
        func decode<T: Decodable>(_ type: T.Type, _ fields: [String: Any?]) -> T? {
            guard let data = try? JSONSerialization.data(withJSONObject: fields.compactMapValues { $0 }) else { return nil }
            return try? JSONDecoder().decode(type, from: data)
        }
        switch kind {
        case "step":
            return decode(StepMetrics.self, ["step": step, "totalSteps": object["total_steps"], "epoch": object["epoch"], "loss": object["loss"],
                                             "lossCE": object["loss_ce"], "learningRate": object["learning_rate"], "gradNorm": object["grad_norm"],
                                             "tokensPerSecond": object["tokens_per_second"], "elapsedSeconds": object["elapsed"],
                                             "remainingSeconds": object["remaining"]]).map(TrainingEvent.step)
        case "eval":
            return decode(EvaluationMetrics.self, ["step": step, "loss": object["eval_loss"], "perplexity": object["perplexity"],
                                                   "accuracy": object["accuracy"]]).map(TrainingEvent.evaluation)
        case "finished":
            let reason = (object["reason"] as? String).flatMap(TrainingEvent.FinishReason.init(rawValue:)) ?? .completed
            return .finished(step: step, reason: reason)
        default:
            return nil
        }
    }
}

/// The complete lines added to a file since the last read (a line still being written waits).
struct LineReader {
    let url: URL
    private var offset = 0
    private var pending = ""
    /// Every complete line read so far.
    private(set) var all: [String] = []

    init(url: URL) { self.url = url }

    mutating func newLines() -> [String] {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(offset))) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        offset += data.count
        pending += String(decoding: data, as: UTF8.self)
        var lines = pending.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        pending = lines.removeLast()
        all += lines
        return lines
    }
}
