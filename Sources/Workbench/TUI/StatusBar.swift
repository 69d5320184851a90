import Foundation
import Models

/// The bottom two rows: the `:` command line (or the last message) and the status line with the
/// model, the active adapter, trainable parameters and the job.
enum StatusBar {
    static func drawCommandLine(into grid: inout Grid, rect: Rect, state: TUIState) {
        if let editor = state.commandLine ?? state.searchLine {
            let prefix = state.commandLine != nil ? ":" : "/"
            grid.put(prefix + editor.text, x: rect.x, y: rect.y, role: .command, limit: rect.width)
            grid.paint(Rect(x: rect.x + 1 + editor.cursor, y: rect.y, width: 1, height: 1), role: .selection)
            if !editor.candidates.isEmpty {
                let shown = "  " + editor.candidates.prefix(12).joined(separator: " ")
                grid.put(shown, x: rect.x + 2 + editor.text.count, y: rect.y, role: .dim, limit: rect.width - editor.text.count - 2)
            }
        } else if let message = state.message {
            // Cut at a word when longer than the row (the log holds the whole of an error).
            grid.put(TextWrap.fit(message, width: rect.width), x: rect.x, y: rect.y, role: message.hasPrefix("✗") ? .error : .dim)
        } else {
            grid.put(": command  / search  space target  t train  Tab pane  ? help  q quit", x: rect.x, y: rect.y, role: .dim, limit: rect.width)
        }
    }

    static func drawStatus(into grid: inout Grid, rect: Rect, controller: Controller) {
        grid.fill(rect, role: .status)
        var parts = ["lorakit"]
        guard let workspace = controller.workspace else {
            grid.put(" lorakit │ no model: :load builtin:tiny-llama", x: rect.x, y: rect.y, role: .status, limit: rect.width)
            return
        }
        let reference = workspace.reference.description
        parts.append(reference.hasPrefix("builtin:") ? reference : URL(fileURLWithPath: reference).lastPathComponent)
        parts.append("adapter: \(workspace.peft?.activeAdapter ?? "none")")
        if let job = controller.job {
            let progress = job.progress
            let step = progress.steps.last?.step ?? progress.firstStep
            switch progress.phase {
            case .running: parts.append("training \(step)/\(progress.totalSteps)")
            case .stopping: parts.append("stopping at \(step)")
            case .completed: parts.append("trained \(step) steps")
            case .stopped: parts.append("stopped at \(step)")
            case .failed: parts.append("run failed")
            }
        }
        let counts = workspace.parameterCounts
        let share = String(format: " (%.2f%%)", counts.total == 0 ? 0 : 100 * Double(counts.trainable) / Double(counts.total))
        let trainable = "trainable \(ModuleTree.grouped(counts.trainable))"
        if controller.recorder != nil { parts.append("● rec") }
        // The longest form that fits: shorter wordings before anything is cut.
        let candidates = [
            parts + [trainable + " of \(ModuleTree.grouped(counts.total))" + share],
            Array(parts.dropFirst()) + [trainable + " of \(ModuleTree.grouped(counts.total))" + share],
            Array(parts.dropFirst()) + [trainable + share],
            Array(parts.dropFirst()) + [trainable],
            Array(parts.dropFirst(2)) + [trainable + share],
        ].map { " " + $0.joined(separator: " │ ") }
        grid.put(TextWrap.first(of: candidates, fitting: rect.width), x: rect.x, y: rect.y, role: .status, limit: rect.width)
    }
}
