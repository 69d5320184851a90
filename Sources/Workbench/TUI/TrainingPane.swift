import Foundation
import Training

/// The training pane: progress bar with step and ETA, the latest loss, eval loss, learning rate,
/// gradient norm and tokens/s, and the live loss plot (raw and smoothed train loss, eval loss).
enum TrainingPane {
    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        let smoothing = state.smoothing > 0 ? "smooth \(LinePlot.label(state.smoothing))" : "raw"
        grid.box(rect, title: "training · L log scale · M \(smoothing) · r ranks", focused: state.focus == .training)
        let inner = rect.inner
        guard let job = controller.job else {
            let settings = controller.training.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let lines = ["no run yet: t trains the active adapter (one is made from the config if needed)",
                         "on \(controller.dataSource ?? DataCommands.defaultSource) with \(settings)",
                         ":train KEY=VALUE changes the settings"]
            for (offset, line) in lines.enumerated() { grid.put(line, x: inner.x, y: inner.y + offset, role: .dim, limit: inner.width) }
            return
        }
        let progress = job.progress
        grid.put(headline(progress, width: inner.width), x: inner.x, y: inner.y, role: .accent, limit: inner.width)
        if let last = progress.steps.last {
            var stats = String(format: "loss %.4f", last.loss)
            if let eval = progress.evaluations.last { stats += String(format: "  eval %.4f", eval.loss) }
            stats += String(format: "  lr %.2e  grad %.3f  %.0f tok/s", last.learningRate, last.gradNorm, last.tokensPerSecond)
            grid.put(stats, x: inner.x, y: inner.y + 1, limit: inner.width)
        }
        let plotRect = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        let raw = progress.steps.map { (x: Double($0.step), y: $0.loss) }
        let smooth = zip(raw, LinePlot.smoothed(raw.map(\.y), factor: state.smoothing)).map { (x: $0.0.x, y: $0.1) }
        var series = [LinePlot.Series(points: raw, role: state.smoothing > 0 ? .dim : .train)]
        if state.smoothing > 0 { series.append(LinePlot.Series(points: smooth, role: .train)) }
        series.append(LinePlot.Series(points: progress.evaluations.map { (x: Double($0.step), y: $0.loss) }, role: .eval))
        let plot = LinePlot(series: series, xRange: Double(progress.firstStep + 1) ... Double(max(progress.totalSteps, progress.firstStep + 2)),
                            logScale: state.logScale)
        if !plot.draw(into: &grid, rect: plotRect) {
            grid.put("waiting for the first step…", x: inner.x, y: inner.y + 2, role: .dim, limit: inner.width)
        } else {
            let legend = "━ train" + (progress.evaluations.isEmpty ? "" : "  ━ eval")
            grid.put(legend, x: plotRect.x + plotRect.width - legend.count, y: plotRect.y, role: .dim)
            grid.paint(Rect(x: plotRect.x + plotRect.width - legend.count, y: plotRect.y, width: 1, height: 1), role: .train)
            if !progress.evaluations.isEmpty { grid.paint(Rect(x: plotRect.x + plotRect.width - 6, y: plotRect.y, width: 1, height: 1), role: .eval) }
        }
    }

    /// `running  step 12/60 ▕████░░░░▏ 20%  ETA 0:14`
    static func headline(_ progress: TrainingJob.Progress, width: Int) -> String {
        let step = progress.steps.last?.step ?? progress.firstStep
        let phase: String
        switch progress.phase {
        case .running: phase = "running"
        case .stopping: phase = "stopping"
        case .completed: phase = "finished"
        case .stopped: phase = "stopped"
        case let .failed(reason): return "failed: \(reason)"
        }
        let fraction = Double(step) / Double(max(progress.totalSteps, 1))
        let barWidth = max(5, min(30, width - 44))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = "▕" + String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled) + "▏"
        let eta = progress.steps.last.map { progress.phase.isActive ? "  ETA \(ProgressPrinter.duration($0.remainingSeconds))" : "  \(ProgressPrinter.duration($0.elapsedSeconds))" } ?? ""
        return "\(phase)  step \(step)/\(progress.totalSteps) \(bar) \(Int(fraction * 100))%\(eta)"
    }
}
