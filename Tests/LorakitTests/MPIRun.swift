import Foundation

/// `mpirun -np N lorakit ...` on this machine, as CI runs it: as root (`--allow-run-as-root`), with
/// more ranks than cores allowed (`--oversubscribe`), over the loopback interface.
enum MPIRun {
    /// Open MPI's launcher, when it is installed.
    static let launcher: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// Why the MPI tests do not run here, or nil when they do.
    static let unavailableReason: String? = launcher == nil
        ? "mpirun is not installed (scripts/install-deps.sh installs openmpi-bin; CI has it)" : nil

    /// The launcher's arguments for `ranks` ranks of `lorakit arguments...`. When mpirun ends a job
    /// (a Ctrl-C, a rank that died or aborted) it sends the ranks SIGCONT, SIGTERM
    /// `odls_base_sigkill_timeout` seconds later and SIGKILL after as long again, its event loop
    /// asleep all the while (no output is forwarded, no message printed), so every such job lasts
    /// twice that timeout. The default 1 s leaves a loaded test machine too little time to finish a
    /// step and write the checkpoint; 5 leaves it 10 s, and ends a job well within a test's limit.
    static func arguments(ranks: Int, _ arguments: [String]) -> [String] {
        ["--allow-run-as-root", "--oversubscribe", "--mca", "btl_tcp_if_include", "lo", "--mca", "odls_base_sigkill_timeout", "5",
         "-np", String(ranks), LorakitBinary.url.path] + arguments
    }

    /// A started job whose output goes to files, so a test can act on it while it runs.
    final class Job {
        let process = Process()
        let outputFile: URL, errorFile: URL

        init(ranks: Int, _ lorakitArguments: [String], in directory: URL, environment: [String: String] = [:]) throws {
            guard let launcher else { throw CocoaError(.fileNoSuchFile) }
            process.executableURL = launcher
            process.arguments = MPIRun.arguments(ranks: ranks, lorakitArguments)
            process.currentDirectoryURL = directory
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            outputFile = directory.appendingPathComponent("mpirun-\(UUID().uuidString).out")
            errorFile = directory.appendingPathComponent("mpirun-\(UUID().uuidString).err")
            for file in [outputFile, errorFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            process.standardInput = FileHandle.nullDevice
            // A child starts with its parent thread's blocked signals, and a test runner's threads
            // block most: mpirun would then never see the SIGINT of a Ctrl-C. Start it with none blocked.
            var none = sigset_t(), saved = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try process.run()
        }

        /// Waits for the job to end, killing it after `limit` seconds (a guard against a hang, which
        /// then fails the test through the status); returns what it printed.
        func finish(limit: TimeInterval = 300) -> LorakitBinary.Result {
            let deadline = Date().addingTimeInterval(limit)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return LorakitBinary.Result(status: process.terminationStatus,
                                        output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
                                        error: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
        }

        /// The process id of rank `rank` of this job: the child of the launcher whose environment says
        /// `OMPI_COMM_WORLD_RANK=rank`, or nil before it started.
        func pid(ofRank rank: Int) -> pid_t? {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            for entry in entries {
                guard let pid = pid_t(entry),
                      let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { continue }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 2, pid_t(fields[1]) == process.processIdentifier,
                      let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
                if environment.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == "OMPI_COMM_WORLD_RANK=\(rank)" }) {
                    return pid
                }
            }
            return nil
        }
    }

    /// Runs `lorakit arguments...` on `ranks` ranks in `directory` and waits for the job to end.
    static func run(ranks: Int, _ lorakitArguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> LorakitBinary.Result {
        try Job(ranks: ranks, lorakitArguments, in: directory, environment: environment).finish()
    }
}
