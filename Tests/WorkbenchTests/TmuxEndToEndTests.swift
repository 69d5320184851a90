import Foundation
import Testing

/// The real `lorakit` binary in a tmux session: open the workbench, walk the module tree, toggle a
/// target, start a short run, watch the loss plot and the step counter move, quit.
@Suite struct TmuxEndToEndTests {
    static let lorakit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lorakit")

    /// Runs tmux with `arguments` and waits for it; returns its standard output. It is spawned with
    /// `posix_spawnp` and reaped with `waitpid`, its output going to a file: the first tmux command
    /// forks the tmux server, which keeps inherited descriptors open for as long as it lives, and
    /// Foundation's `Process` can then wait forever for a pipe or a termination notice.
    @discardableResult
    static func tmux(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        guard posix_spawnp(&pid, "tmux", &actions, nil, argv, environ) == 0 else {
            throw CocoaError(.executableNotLoadable)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Polls the pane until `condition` holds for its text (or 90 s pass); returns the last capture.
    static func waitFor(_ session: String, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(90)
        var screen = ""
        repeat {
            screen = try tmux(["capture-pane", "-p", "-t", session])
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return screen
    }

    static func keys(_ session: String, _ keys: String...) throws {
        for key in keys {
            try tmux(["send-keys", "-t", session, key])
            Thread.sleep(forTimeInterval: 0.15)
        }
    }

    @Test func openNavigateTargetTrainWatchAndQuit() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.lorakit.path), "lorakit must be built at \(Self.lorakit.path)")
        try #require((try? Self.tmux(["-V"]))?.hasPrefix("tmux") == true, "tmux must be installed (scripts/install-deps.sh)")
        let scratch = try TestSession(loaded: false)
        let script = scratch.folder.appendingPathComponent("open.lks")
        try "load \(scratch.modelPath) --from-scratch\ndata load builtin:fortunes\n".write(to: script, atomically: true, encoding: .utf8)
        let session = "lorakit-e2e-\(getpid())"
        let command = "cd \(scratch.folder.path) && XDG_STATE_HOME=\(scratch.folder.path)/state TERM=xterm-256color \(Self.lorakit.path) --replay \(script.path); echo EXITED $?; sleep 30"
        try Self.tmux(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", command])
        defer { _ = try? Self.tmux(["kill-session", "-t", session]) }

        var screen = try Self.waitFor(session) { $0.contains("replayed") && $0.contains("modules · 4 targeted") }
        #expect(screen.contains("layers.0-1 (×2)"), "\(screen)")

        try Self.keys(session, "/", "k", "_", "p", "r", "o", "j", "Enter", "Space")
        screen = try Self.waitFor(session) { $0.contains("modules · 6 targeted") }
        #expect(screen.contains("● k_proj") && screen.contains("● q_proj"), "\(screen)")
        try Self.keys(session, "j", "j", "Space")
        screen = try Self.waitFor(session) { $0.contains("modules · 8 targeted") }
        #expect(screen.contains("● o_proj"), "\(screen)")

        try Self.keys(session, ":")
        for character in "train max_steps=400 batch_size=2 seq_len=16 eval_every=20 eval_split=0.01" {
            try Self.tmux(["send-keys", "-t", session, "-l", String(character)])
        }
        try Self.keys(session, "Enter")
        let first = try Self.waitFor(session) { Self.step(in: $0).map { $0 >= 3 } ?? false }
        let firstStep = try #require(Self.step(in: first), "\(first)")
        #expect(first.unicodeScalars.contains { (0x2801 ... 0x28FF).contains($0.value) }, "no braille plot: \(first)")
        let later = try Self.waitFor(session) { (Self.step(in: $0) ?? 0) >= firstStep + 5 }
        #expect((Self.step(in: later) ?? 0) >= firstStep + 5, "\(later)")

        try Self.keys(session, "q")
        screen = try Self.waitFor(session) { $0.contains("Stop it and quit? (y/n)") }
        #expect(screen.contains("Stop it and quit?"), "\(screen)")
        try Self.keys(session, "y")
        screen = try Self.waitFor(session) { $0.contains("EXITED") }
        #expect(screen.contains("EXITED 0"), "\(screen)")
    }

    /// A click (button 1 pressed and released) at a cell, as xterm-256color reports it (SGR
    /// encoding, 1-based).
    static func click(_ session: String, x: Int, y: Int) throws {
        try tmux(["send-keys", "-t", session, "-l", "\u{1B}[<0;\(x + 1);\(y + 1)M\u{1B}[<0;\(x + 1);\(y + 1)m"])
    }

    @Test func aClickSelectsAModuleAndPreferencesSurviveARestart() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.lorakit.path), "lorakit must be built at \(Self.lorakit.path)")
        try #require((try? Self.tmux(["-V"]))?.hasPrefix("tmux") == true, "tmux must be installed (scripts/install-deps.sh)")
        let scratch = try TestSession(loaded: false)
        let script = scratch.folder.appendingPathComponent("open.lks")
        try "load \(scratch.modelPath) --from-scratch\n".write(to: script, atomically: true, encoding: .utf8)
        let session = "lorakit-mouse-\(getpid())"
        let command = "cd \(scratch.folder.path) && XDG_STATE_HOME=\(scratch.folder.path)/state XDG_CONFIG_HOME=\(scratch.folder.path)/config "
            + "TERM=xterm-256color \(Self.lorakit.path) --replay \(script.path); echo EXITED $?; sleep 30"
        func open() throws -> String {
            try Self.tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "36", command])
            return try Self.waitFor(session) { $0.contains("replayed") && $0.contains("modules · 4 targeted") }
        }
        defer { _ = try? Self.tmux(["kill-session", "-t", session]) }
        var screen = try open()
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        let row = try #require(lines.firstIndex { $0.contains("o_proj") }, "\(screen)")
        try Self.click(session, x: 12, y: row)
        screen = try Self.waitFor(session) { $0.contains("model.layers.0.self_attn.o_proj") }
        #expect(screen.contains("model.layers.0.self_attn.o_proj"), "the detail pane shows the clicked module: \(screen)")
        try Self.keys(session, "L", ">", "q")
        screen = try Self.waitFor(session) { $0.contains("EXITED") }
        let kept = try String(contentsOfFile: scratch.folder.path + "/config/lorakit/preferences", encoding: .utf8)
        #expect(kept.contains("log_scale = true") && kept.contains("tree_width = 40"), "\(kept)")
        _ = try? Self.tmux(["kill-session", "-t", session])
        screen = try open()
        #expect(screen.contains("training · L log"), "the log scale is back: \(screen)")
    }

    /// The step counter of the training pane (`step 12/400`).
    static func step(in screen: String) -> Int? {
        guard let range = screen.range(of: #"step (\d+)/400"#, options: .regularExpression) else { return nil }
        return Int(screen[range].dropFirst(5).split(separator: "/")[0])
    }
}
