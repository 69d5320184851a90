import Foundation
import Training

/// The training pane: progress bar with step and ETA, the latest loss (or the cursor's), eval
/// loss, learning rate, gradient norm and tokens/s, and the live loss plot: raw train loss as bare
/// dots, its smoothed curve as a line, eval loss as `◆`, so the three stay apart without colour.
/// With focus, ←/→ (or a click on the plot) move a cursor over the steps and `z` zooms to the last 50.
enum TrainingPane {
    /// Steps shown when zoomed.
    static let zoomSteps = 50

    static func draw(into grid: inout Grid, rect: Rect, controller: Controller, state: TUIState) {
        grid.box(rect, title: title(state, width: rect.width - 6), focused: state.focus == .training)
        let inner = rect.inner
        let compared = state.comparedRuns(controller).filter { record in !(controller.job.map { RunRecord.sameFolder($0.outputDirectory, record.folder) } ?? false) }
        guard let job = controller.job else {
            if !compared.isEmpty { return drawCompared(compared, into: &grid, rect: inner, state: state) }
            let settings = controller.training.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let data = "on \(controller.dataSource ?? DataCommands.defaultSource) with \(settings)"
            // The longer wording when its rows fit the pane.
            let wordings = [["no run yet: t trains the active adapter (one is made from the config if needed)", data,
                             "the form under the config (Tab), :recipe set KEY=VALUE or :train KEY=VALUE changes them"],
                            ["no run yet: t trains the active adapter", data, "Tab (the form) or :recipe set KEY=VALUE changes them"]]
                .map { $0.flatMap { TextWrap.wrap($0, width: inner.width, indent: "  ") } }
            let rows = wordings.first { $0.count <= inner.height } ?? wordings[wordings.count - 1]
            for (offset, line) in rows.prefix(inner.height).enumerated() { grid.put(line, x: inner.x, y: inner.y + offset, role: .dim) }
            return
        }
        let progress = job.progress
        grid.put(TextWrap.fit(headline(progress, width: inner.width), width: inner.width), x: inner.x, y: inner.y, role: .accent)
        let cursor = state.plotCursor.flatMap { step in progress.steps.last { $0.step <= step } }
        if let shown = cursor ?? progress.steps.last {
            let eval = progress.evaluations.last { $0.step <= shown.step }?.loss
            grid.put(stats(shown, eval: eval, atCursor: cursor != nil, width: inner.width), x: inner.x, y: inner.y + 1)
        }
        var plotRect = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 3)
        let side = sidePlotWidth(plotRect)
        plotRect.width -= side
        var last = Double(max(progress.totalSteps, progress.firstStep + 2))
        var first = Double(progress.firstStep + 1)
        if !compared.isEmpty {
            first = min(first, Double(compared.compactMap { $0.steps.first?.step }.min() ?? Int(first)))
            last = max(last, Double(compared.map { $0.totalSteps ?? $0.lastStep }.max() ?? 0))
        }
        if state.plotZoom, let newest = progress.steps.last?.step { first = max(first, Double(newest - zoomSteps)) }
        // AdaLoRA's loss holds its orthogonal regulariser; the cross-entropy alone compares with eval.
        let series = lossSeries(progress.steps.map { (Double($0.step), $0.crossEntropy) }, evaluations: progress.evaluations.map { (Double($0.step), $0.loss) },
                                smoothing: state.smoothing) + comparedSeries(compared, smoothing: state.smoothing)
        let plot = LinePlot(series: series, xRange: first ... max(last, first + 1), logScale: state.logScale,
                            marker: cursor.map { Double($0.step) })
        if let area = plot.draw(into: &grid, rect: plotRect) {
            state.hits.lossPlot = (plot, area)
        } else if progress.steps.isEmpty {
            grid.put("waiting for the first step…", x: inner.x, y: inner.y + 2, role: .dim, limit: inner.width)
        }
        if side > 0 {
            drawSidePlots(progress.steps, xRange: first ... max(last, first + 1), marker: cursor.map { Double($0.step) }, into: &grid,
                          rect: Rect(x: plotRect.x + plotRect.width + 1, y: plotRect.y, width: side - 1, height: plotRect.height))
        }
        let legend = legend(run: compared.isEmpty ? nil : job.outputDirectory.lastPathComponent, crossEntropy: progress.steps.contains { $0.lossCE != nil },
                            smoothing: state.smoothing > 0, evaluations: !progress.evaluations.isEmpty, compared: compared, focused: state.focus == .training)
        grid.put(TextWrap.first(of: legend, fitting: inner.width), x: inner.x, y: inner.maxY - 1, role: .dim)
    }

    /// `loss 2.3456  eval 2.4012  lr 2.00e-04  grad 0.412  1234 tok/s` (after `at step N:` on the
    /// cursor's step), in the longest wording that fits `width`: shorter labels first, then the
    /// fields a user watches least go (AdaLoRA's regularised loss, the learning rate, tokens/s), so
    /// loss, eval loss and the gradient norm stay.
    static func stats(_ shown: StepMetrics, eval: Double?, atCursor: Bool, width: Int) -> String {
        let step = atCursor ? "at step \(shown.step): " : ""
        let long = String(format: "loss %.4f", shown.crossEntropy), short = String(format: "loss %.3f", shown.crossEntropy)
        let regularised = shown.lossCE.map { _ in (String(format: " (with reg %.4f)", shown.loss), String(format: " (reg %.3f)", shown.loss)) } ?? ("", "")
        let evaluated = eval.map { (String(format: "  eval %.4f", $0), String(format: " eval %.3f", $0)) } ?? ("", "")
        let lr = (String(format: "  lr %.2e", shown.learningRate), String(format: " lr %.1e", shown.learningRate))
        let grad = (String(format: "  grad %.3f", shown.gradNorm), String(format: " grad %.2f", shown.gradNorm))
        let speed = String(format: "%.0f tok/s", shown.tokensPerSecond)
        return TextWrap.first(of: [
            step + long + regularised.0 + evaluated.0 + lr.0 + grad.0 + "  " + speed,
            step + short + regularised.1 + evaluated.1 + lr.1 + grad.1 + " " + speed,
            step + short + evaluated.1 + lr.1 + grad.1 + " " + speed,
            step + short + evaluated.1 + grad.1 + " " + speed,
            step + short + evaluated.1 + grad.1,
        ], fitting: width)
    }

    /// `training · L linear · M smooth 0.6 · r ranks`, in the longest wording that fits: the keys'
    /// hints go before a word is cut.
    static func title(_ state: TUIState, width: Int) -> String {
        let scale = state.logScale ? "log" : "linear"
        let smoothing = state.smoothing > 0 ? "smooth \(LinePlot.label(state.smoothing))" : "raw"
        let zoom = state.plotZoom ? " · z last \(zoomSteps)" : ""
        return TextWrap.first(of: ["training · L \(scale) · M \(smoothing)\(zoom) · r ranks", "training · L \(scale) · M \(smoothing)\(zoom)",
                                   "training · \(scale) · \(smoothing)\(zoom)", "training"], fitting: width)
    }

    /// The plot's legend in wordings from the longest: the raw dots, the smoothed line (named after
    /// the run, `run`, when other runs are overlaid), eval's `◆`, the overlaid runs' letters, and
    /// with focus the keys. Shorter wordings drop the keys, then the words that only explain.
    static func legend(run: String?, crossEntropy: Bool, smoothing: Bool, evaluations: Bool, compared: [RunRecord], focused: Bool) -> [String] {
        func words(explained: Bool, raw: Bool, keys: Bool) -> String {
            let train = (run ?? "train") + (crossEntropy && explained ? " (cross-entropy)" : "")
            var parts = smoothing ? (raw ? ["⠂ raw", "━ \(train)"] : ["━ \(train)"]) : ["━ \(train)"]
            if smoothing, raw, run == nil { parts = ["⠂ \(train)", explained ? "━ smoothed" : "━ smooth"] }
            if evaluations { parts.append("◆ eval") }
            return (parts.joined(separator: "  ") + comparedLegend(compared) + (keys ? "  ←→ cursor  z zoom" : ""))
        }
        return [words(explained: true, raw: true, keys: focused), words(explained: true, raw: true, keys: false),
                words(explained: false, raw: true, keys: false), words(explained: false, raw: false, keys: false)]
    }

    /// Columns the small learning-rate and gradient-norm plots take right of the loss plot (0 when
    /// the pane is too small for them; the stats line still shows both).
    static func sidePlotWidth(_ plot: Rect) -> Int {
        plot.width >= 90 && plot.height >= 8 ? min(48, plot.width / 3) : 0
    }

    /// The learning rate above the gradient norm, each a small plot under its title.
    private static func drawSidePlots(_ steps: [StepMetrics], xRange: ClosedRange<Double>, marker: Double?, into grid: inout Grid, rect: Rect) {
        let upper = rect.height / 2
        let parts: [(title: String, values: [(x: Double, y: Double)], rect: Rect)] = [
            ("lr", steps.map { (Double($0.step), $0.learningRate) }, Rect(x: rect.x, y: rect.y, width: rect.width, height: upper)),
            ("grad norm", steps.map { (Double($0.step), $0.gradNorm) }, Rect(x: rect.x, y: rect.y + upper, width: rect.width, height: rect.height - upper)),
        ]
        for part in parts {
            grid.put(part.title, x: part.rect.x, y: part.rect.y, role: .dim, limit: part.rect.width)
            let plot = LinePlot(series: [LinePlot.Series(points: part.values, role: .train)], xRange: xRange, marker: marker)
            plot.draw(into: &grid, rect: Rect(x: part.rect.x, y: part.rect.y + 1, width: part.rect.width, height: part.rect.height - 1))
        }
    }

    /// The glyphs that tell overlaid runs apart, and their roles.
    static let comparedGlyphs: [Character] = ["A", "B", "C", "D", "E", "F"]
    static let comparedRoles: [ThemeRole] = [.accent, .budget, .heatHigh, .command, .target, .title]

    /// Overlaid runs only (no run in this session yet).
    private static func drawCompared(_ records: [RunRecord], into grid: inout Grid, rect: Rect, state: TUIState) {
        let header = ["\(records.count) runs overlaid (`runs compare clear` removes them)", "\(records.count) runs overlaid (:runs compare clear)",
                      "\(records.count) runs overlaid"]
        grid.put(TextWrap.first(of: header, fitting: rect.width), x: rect.x, y: rect.y, role: .accent)
        let first = Double(records.compactMap { $0.steps.first?.step }.min() ?? 1)
        let last = Double(records.map { $0.totalSteps ?? $0.lastStep }.max() ?? 2)
        let plot = LinePlot(series: comparedSeries(records, smoothing: state.smoothing), xRange: first ... max(last, first + 1), logScale: state.logScale)
        plot.draw(into: &grid, rect: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 2))
        grid.put(TextWrap.fit(String(comparedLegend(records).dropFirst(2)), width: rect.width), x: rect.x, y: rect.maxY - 1, role: .dim)
    }

    /// Each overlaid run's smoothed loss as a line, with its letter along it.
    static func comparedSeries(_ records: [RunRecord], smoothing: Double) -> [LinePlot.Series] {
        records.prefix(comparedGlyphs.count).enumerated().flatMap { index, record -> [LinePlot.Series] in
            let raw = record.steps.map { (x: Double($0.step), y: $0.loss) }
            let smooth = zip(raw, LinePlot.smoothed(raw.map(\.y), factor: smoothing)).map { (x: $0.0.x, y: $0.1) }
            let every = max(1, smooth.count / 6)
            let marks = smooth.enumerated().filter { ($0.offset + 1) % every == 0 }.map(\.element)
            let role = comparedRoles[index % comparedRoles.count]
            return [LinePlot.Series(points: smooth, role: role), LinePlot.Series(points: marks, role: role, style: .glyph(comparedGlyphs[index]))]
        }
    }

    /// `  A default-1  B ada-2` for the legend.
    static func comparedLegend(_ records: [RunRecord]) -> String {
        records.prefix(comparedGlyphs.count).enumerated().map { "  \(comparedGlyphs[$0.offset]) \($0.element.name)" }.joined()
    }

    /// The loss curves of a run: raw losses (dots under a smoothed line when smoothing), eval losses.
    static func lossSeries(_ raw: [(x: Double, y: Double)], evaluations: [(x: Double, y: Double)], smoothing: Double, role: ThemeRole = .train) -> [LinePlot.Series] {
        var series: [LinePlot.Series] = []
        if smoothing > 0 {
            series.append(LinePlot.Series(points: raw, role: .dim, style: .dots, setsScale: false))
            let smooth = zip(raw, LinePlot.smoothed(raw.map(\.y), factor: smoothing)).map { (x: $0.0.x, y: $0.1) }
            series.append(LinePlot.Series(points: smooth, role: role))
        } else {
            series.append(LinePlot.Series(points: raw, role: role))
        }
        series.append(LinePlot.Series(points: evaluations, role: .eval, style: .glyph("◆")))
        return series
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

extension StepMetrics {
    /// The cross-entropy alone: AdaLoRA's `loss` adds its orthogonal regulariser, which eval leaves out.
    var crossEntropy: Double { lossCE ?? loss }
}
