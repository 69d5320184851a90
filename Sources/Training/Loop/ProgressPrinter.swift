import Foundation

/// Shows training events on a terminal: a progress bar redrawn in place with loss, tokens/s and
/// the time left; or, when the output is not a terminal (a log file, CI), one plain line per report.
public struct ProgressPrinter {
    public let isTerminal: Bool
    private let write: (String) -> Void

    public init(isTerminal: Bool = isatty(STDOUT_FILENO) != 0, write: @escaping (String) -> Void = { print($0, terminator: ""); fflush(stdout) }) {
        self.isTerminal = isTerminal
        self.write = write
    }

    public func show(_ event: TrainingEvent) {
        switch event {
        case let .step(m):
            if isTerminal {
                let width = 24, filled = Int(Double(width) * Double(m.step) / Double(max(m.totalSteps, 1)))
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                write(String(format: "\r\u{1B}[2K%@ %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %@",
                             bar, m.step, m.totalSteps, m.loss, m.learningRate, m.tokensPerSecond, Self.duration(m.remainingSeconds)))
            } else {
                let crossEntropy = m.lossCE.map { String(format: " (cross-entropy %.4f)", $0) } ?? ""
                write(String(format: "step %d/%d  loss %.4f%@  lr %.3e  grad_norm %.3f  %.0f tok/s  elapsed %@  ETA %@\n",
                             m.step, m.totalSteps, m.loss, crossEntropy, m.learningRate, m.gradNorm, m.tokensPerSecond,
                             Self.duration(m.elapsedSeconds), Self.duration(m.remainingSeconds)))
            }
        case let .evaluation(m):
            var line = String(format: "eval at step %d: loss %.4f", m.step, m.loss)
            if let perplexity = m.perplexity { line += String(format: "  perplexity %.2f", perplexity) }
            if let accuracy = m.accuracy { line += String(format: "  accuracy %.1f%%", accuracy * 100) }
            write((isTerminal ? "\n" : "") + line + "\n")
        case let .ranks(allocation):
            let ranks = allocation.modules.map(\.rank)
            write((isTerminal ? "\n" : "") + "ranks at step \(allocation.step): budget \(allocation.budget), per module \(ranks.min() ?? 0)-\(ranks.max() ?? 0)\n")
        case let .saved(step, path):
            write((isTerminal ? "\n" : "") + "saved step \(step) to \(path)\n")
        case let .finished(step, reason):
            let why = reason == .completed ? "finished" : reason == .stopped ? "stopped" : "stopped: the loss is not finite"
            write((isTerminal ? "\n" : "") + "\(why) after \(step) steps\n")
        }
    }

    /// `3725` seconds as `1:02:05`, `65` as `1:05`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
