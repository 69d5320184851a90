import FixtureSupport
import Foundation
import Models
import Testing

/// The real `lorakit` binary, built beside the test bundle, run as a user runs it.
enum LorakitBinary {
    static let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lorakit")

    /// What a run printed and how it ended.
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs `lorakit arguments...` in `directory` with `environment` added to (or, for nil values,
    /// removed from) this process's, and `input` as its standard input, and waits for it to end.
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
        // Standard error goes to a file and standard output is read to its end before the wait, so a
        // chatty child never blocks on a full pipe.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-stdin-\(UUID().uuidString)")
        if let input {
            try Data(input.utf8).write(to: inputFile)
            process.standardInput = try FileHandle(forReadingFrom: inputFile)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { try? FileManager.default.removeItem(at: inputFile) }
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      error: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }

    /// A started process (`lorakit arguments...`, or `executable`, such as mpirun, running it) whose
    /// output goes to files, so a test can act on it while it runs.
    final class Job {
        let process = Process()
        let outputFile: URL, errorFile: URL

        init(executable: URL = LorakitBinary.url, _ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws {
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            outputFile = directory.appendingPathComponent("job-\(UUID().uuidString).out")
            errorFile = directory.appendingPathComponent("job-\(UUID().uuidString).err")
            for file in [outputFile, errorFile] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            process.standardInput = FileHandle.nullDevice
            // A child starts with its parent thread's blocked signals, and a test runner's threads
            // block most: the child would then never see the SIGINT of a Ctrl-C. Start it with none blocked.
            var none = sigset_t(), saved = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, &saved)
            defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
            try process.run()
        }

        /// Waits for the process to end, killing it after `limit` seconds (a guard against a hang,
        /// which then fails the test through the status); returns what it printed.
        func finish(limit: TimeInterval = 300) -> Result {
            let deadline = Date().addingTimeInterval(limit)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return Result(status: process.terminationStatus,
                          output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
                          error: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
        }
    }

    /// Runs `lorakit forward --model MODEL` on `fixture`'s inputs with `extra` arguments (`--adapter
    /// DIR`, `--merged`, ...), writing into `scratch`, and returns what it wrote.
    static func forward(_ fixture: FixtureCase, model: URL, _ extra: [String] = [], scratch: ScratchFolder) throws -> SafeTensorsFile {
        let out = scratch.url.appendingPathComponent("forward-\(UUID().uuidString).safetensors")
        let result = try run(["forward", "--model", model.path, "--inputs", fixture.directory.appendingPathComponent("inputs.safetensors").path,
                              "--out", out.path] + extra)
        #expect(result.status == 0, "\(fixture.name) forward \(model.lastPathComponent) \(extra): \(result.error)")
        return try SafeTensorsFile(contentsOf: out)
    }
}
