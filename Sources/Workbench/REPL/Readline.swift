import CReadline
import Foundation

/// GNU readline in its callback mode, so the REPL can wait for input and for Ctrl-C at once: a
/// prompt, line editing, history (in the shared history file) and tab completion through a
/// `Completer`. readline's C callbacks cannot capture context, so the one active instance is kept
/// in a static.
final class Readline {
    nonisolated(unsafe) private static var active: Readline?
    private let completer: Completer
    private let history: HistoryFile
    private var entered: [String?] = []
    private var candidates: [String] = []

    init(completer: Completer, history: HistoryFile) {
        self.completer = completer
        self.history = history
        Readline.active = self
        rl_catch_signals = 0
        rl_readline_name = UnsafePointer(strdup("lorakit"))
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t"))
        rl_attempted_completion_function = { _, _, end in
            guard let readline = Readline.active, let buffer = rl_line_buffer else { return nil }
            rl_attempted_completion_over = 1
            let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: Int(end)), as: UTF8.self)
            readline.candidates = readline.completer.candidates(for: line)
            let open = readline.candidates.allSatisfy { $0.hasSuffix("/") || $0.hasSuffix("=") }
            rl_completion_append_character = open && !readline.candidates.isEmpty ? 0 : 32
            let word = String(line.split(separator: " ", omittingEmptySubsequences: false).last ?? "")
            return word.withCString { rl_completion_matches($0) { _, state in
                guard let readline = Readline.active else { return nil }
                let index = Int(state)
                return index < readline.candidates.count ? strdup(readline.candidates[index]) : nil
            } }
        }
        using_history()
        for line in history.load() { add_history(line) }
    }

    /// Shows the prompt and starts reading a line.
    func prompt(_ text: String) {
        rl_callback_handler_install(text) { line in
            let text = line.map { String(cString: $0) }
            free(line)
            Readline.active?.entered.append(text)
            rl_callback_handler_remove()
        }
    }

    /// Reads what is waiting on standard input; returns the finished line (nil inside for Ctrl-D),
    /// or nothing if the line is not finished yet.
    func readAvailable() -> String?? {
        rl_callback_read_char()
        guard !entered.isEmpty else { return .none }
        let line = entered.removeFirst()
        if let line, !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            history.append(line)
        }
        return .some(line)
    }

    /// Drops the line being typed (Ctrl-C) and shows a fresh prompt.
    func cancelLine() {
        rl_callback_sigcleanup()
        rl_replace_line("", 0)
        print("^C")
        rl_on_new_line()
        rl_redisplay()
    }

    /// Stops reading (the history file already holds every line entered).
    func finish() {
        rl_callback_handler_remove()
    }
}
