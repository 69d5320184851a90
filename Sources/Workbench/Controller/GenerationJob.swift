import Foundation
import Models
import Tokenizers

/// One `generate`: the prompt continued a token at a time, the text so far readable from any
/// thread while it grows, stoppable between two tokens. The REPL and scripts run it in place
/// (streaming through a callback, Ctrl-C stops it); the TUI runs it on a thread of its own so the
/// screen keeps answering, shows the text as it comes and stops it with `x` or Ctrl-C. With
/// several passes (`generate --compare`: the base model, then the adapter) each continues the same
/// prompt with the same seed, under its label, one after the other. With a chat template
/// (`generate --chat`) the prompt is the user's message and each pass is the assistant's reply
/// through the template, as `lorakit generate --chat` gives it.
public final class GenerationJob: @unchecked Sendable {
    /// Where the generation is.
    public enum Phase: Equatable, Sendable {
        case running, finished, stopped
        case failed(String)
    }

    /// One continuation of the prompt: its label (nil when it is the only one) and what it runs
    /// the generation inside (the base pass disables the adapters around it).
    struct Pass {
        let label: String?
        let around: (() throws -> Void) throws -> Void

        static let plain = Pass(label: nil) { try $0() }
    }

    /// The prompt (with a template, the user's message).
    let prompt: String
    /// What each pass shows before its text: the prompt, on a line of its own with a template.
    private let head: String
    private let promptIds: [Int]
    private let tokenizer: Tokenizer
    private let model: any PretrainedModel
    private let template: ChatTemplate?
    private let options: SamplingOptions
    private let passes: [Pass]
    private let lock = NSLock()
    private var shown: String
    private var state = Phase.running
    private var stopRaised = false
    /// In the background, the log the text goes to, and how much of `shown` (UTF-8 bytes) is in it.
    private var log: SessionLog?
    private var logged = 0

    init(prompt: String, tokenizer: Tokenizer, model: any PretrainedModel, template: ChatTemplate? = nil, options: SamplingOptions, passes: [Pass] = [.plain]) {
        self.prompt = prompt
        head = template == nil ? prompt : prompt + "\n"
        promptIds = tokenizer.encode(prompt, addSpecialTokens: false).ids
        self.tokenizer = tokenizer
        self.model = model
        self.template = template
        self.options = options
        self.passes = passes
        shown = (passes.first?.label.map { "\($0): " } ?? "") + head
    }

    /// The prompt and what has been generated so far (each pass on its own line after its label).
    public var text: String { lock.withLock { shown } }
    /// In the background, the text not in the log yet (the TUI shows it under the log as it grows).
    public var pending: String { lock.withLock { String(decoding: shown.utf8.dropFirst(logged), as: UTF8.self) } }
    public var phase: Phase { lock.withLock { state } }
    public var isActive: Bool { phase == .running }

    /// Asks the generation to stop before its next token. In the background, text generated since
    /// the last `flushToLog` is dropped: it came after the stop was asked for, and the log reads in
    /// order (the controller flushes before it logs the `stop` line).
    public func stop() {
        lock.withLock {
            stopRaised = true
            if log != nil { shown = String(decoding: shown.utf8.prefix(logged), as: UTF8.self) }
        }
    }

    /// In the background, puts the text generated so far in the log, so that what is logged next
    /// (a command given while the text grows) comes after it.
    func flushToLog() {
        lock.withLock {
            guard let log, shown.utf8.count > logged else { return }
            log.append(.generated, String(decoding: shown.utf8.dropFirst(logged), as: UTF8.self))
            logged = shown.utf8.count
        }
    }

    /// Generates on the calling thread. `onText` gets each new piece of text as it is decoded (a
    /// pass's label and prompt first); `shouldStop` is asked after every token. Returns the whole text.
    @discardableResult
    func run(onText: (String) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> String {
        var done = ""
        for (index, pass) in passes.enumerated() {
            // A stop asked for before the first pass began still shows the prompt.
            if index > 0, lock.withLock({ stopRaised }) { break }
            let heading = (index > 0 ? "\n" : "") + (pass.label.map { "\($0): " } ?? "") + head
            onText(heading)
            let before = done + heading
            lock.withLock { if !stopRaised { shown = before } }
            var decoded = ""
            // Passes each piece of text on (none once a stop was asked for); false once the
            // generation is to stop.
            func emit(_ piece: String) -> Bool {
                if !piece.isEmpty, !lock.withLock({ stopRaised }) {
                    onText(piece)
                    decoded += piece
                    lock.withLock { if !stopRaised { shown = before + decoded } }
                }
                let stop = shouldStop() || lock.withLock { stopRaised }
                if stop { lock.withLock { stopRaised = true } }
                return !stop
            }
            do {
                try pass.around {
                    if let template {
                        var session = try ChatSession(model: model, tokenizer: tokenizer, template: template, options: options)
                        try session.reply(to: prompt, onText: emit)
                    } else {
                        var decoder = IncrementalDecoder(tokenizer: tokenizer, prompt: promptIds)
                        _ = try TextGenerator(model: model).generate(prompt: promptIds, options: options) { emit(decoder.append($0)) }
                        _ = emit(decoder.finish())
                    }
                }
            } catch {
                lock.withLock { state = .failed("\(error)") }
                throw error
            }
            done = before + decoded
        }
        // `shown` is `done`, but for what a stop in the background dropped.
        return lock.withLock {
            state = stopRaised ? .stopped : .finished
            return shown
        }
    }

    /// Generates on a thread of its own; the text goes to `log` as commands are given meanwhile
    /// (`flushToLog`) and when it ends.
    func start(log: SessionLog) {
        lock.withLock { self.log = log }
        let thread = Thread { [self] in
            do {
                try run()
                flushToLog()
                if phase == .stopped { log.append(.output, "(stopped)") }
            } catch {
                flushToLog()
                log.append(.error, "generate: \(error)")
            }
        }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
