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

    /// `ranks` ranks of `lorakit arguments...` started in `directory`, for a test to act on while they run.
    static func job(ranks: Int, _ lorakitArguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> LorakitBinary.Job {
        guard let launcher else { throw CocoaError(.fileNoSuchFile) }
        return try LorakitBinary.Job(executable: launcher, arguments(ranks: ranks, lorakitArguments), in: directory, environment: environment)
    }

    /// Runs `lorakit arguments...` on `ranks` ranks in `directory` and waits for the job to end.
    static func run(ranks: Int, _ lorakitArguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> LorakitBinary.Result {
        try job(ranks: ranks, lorakitArguments, in: directory, environment: environment).finish()
    }
}

extension LorakitBinary.Job {
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
