import Foundation
import Training

/// The line front end (`lorakit repl`): readline with history and completion, the same output as
/// the TUI's log, a progress bar while training (Ctrl-C stops the run at the end of its step, or
/// cancels the line being typed). With standard input not a terminal it reads plain lines.
public struct REPL {
    let controller: Controller

    public init(controller: Controller) {
        self.controller = controller
    }

    /// Prints the session log as it grows: output and errors, and the commands too when `echo`.
    static func attachPrinter(to controller: Controller, echo: Bool) {
        let printer = ProgressPrinter()
        controller.trainingObserver = { printer.show($0) }
        controller.generationObserver = { print($0, terminator: ""); fflush(stdout) }
        controller.log.observe { entry in
            switch entry.kind {
            case .command where echo: print("> \(entry.text)")
            case .output: print(entry.text)
            case .generated: print("")  // the text was streamed; end its line
            case .error: FileHandle.standardError.write(Data("\(entry.text)\n".utf8))
            default: break
            }
            fflush(stdout)
        }
    }

    /// Runs until `quit` or end of input.
    public func run() {
        REPL.attachPrinter(to: controller, echo: isatty(STDIN_FILENO) == 0)
        let interrupts = InterruptCounter()
        interrupts.install()
        controller.interruptRequested = { interrupts.takePending() }
        let waitForJob = {
            controller.job?.wait {
                if interrupts.takePending(), let job = controller.job, job.progress.phase == .running {
                    print("\nstopping at the end of this step")
                    job.stop()
                }
            }
        }
        guard isatty(STDIN_FILENO) != 0 else {
            while !controller.quitRequested, let line = readLine() {
                controller.submit(line)
                waitForJob()
            }
            return
        }
        print("lorakit workbench — `help` lists the commands, Tab completes, Ctrl-D quits")
        let readline = Readline(completer: Completer(controller: controller), history: HistoryFile(url: controller.environment.historyFile))
        defer { readline.finish() }
        readline.prompt("lorakit> ")
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        while !controller.quitRequested {
            if interrupts.takePending() { readline.cancelLine() }
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            guard let entered = readline.readAvailable() else { continue }
            guard let line = entered else {
                print("")
                controller.submit("quit")
                break
            }
            controller.submit(line)
            waitForJob()
            if !controller.quitRequested { readline.prompt("lorakit> ") }
        }
    }
}

/// `lorakit run FILE`: replays a session script headless, printing what the REPL would; stops at
/// the first failing line, naming its file and line.
public enum HeadlessRunner {
    /// Runs the script; returns the process exit status (0, or 1 when a line failed).
    public static func run(script path: String, controller: Controller) -> Int32 {
        REPL.attachPrinter(to: controller, echo: true)
        let interrupts = InterruptCounter()
        interrupts.install()
        controller.interruptRequested = { interrupts.takePending() }
        do {
            let player = SessionPlayer(script: try SessionScript(contentsOf: URL(fileURLWithPath: path)))
            try player.runToEnd(controller)
            return 0
        } catch {
            FileHandle.standardError.write(Data("replay stopped: \(error)\n".utf8))
            return 1
        }
    }
}
