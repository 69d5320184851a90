import Foundation
import Training

/// A training run on its own thread, so the workbench stays responsive: it keeps the history of
/// steps and evaluations for the plots, writes reports to the session log, and stops at the end of
/// a step when asked.
public final class TrainingJob: @unchecked Sendable {
    /// Where the run is.
    public enum Phase: Equatable, Sendable {
        case running, stopping, completed, stopped
        case failed(String)

        /// Whether the thread is still working.
        public var isActive: Bool { self == .running || self == .stopping }
    }

    /// What the run has reported so far.
    public struct Progress: Sendable {
        public var phase = Phase.running
        public var steps: [StepMetrics] = []
        public var evaluations: [EvaluationMetrics] = []
        public var totalSteps: Int
        public var firstStep: Int
    }

    /// The run's output folder (metrics.jsonl, checkpoints, the adapter).
    public let outputDirectory: URL
    /// What trains: a run in this process, or a data-parallel job that `mpirun` launched.
    private enum Work {
        case inProcess(TrainingRun)
        case launched(MPILaunch)
    }

    private let work: Work
    private let stopRequest = StopRequest()
    private let lock = NSLock()
    private var state: Progress
    private let log: SessionLog
    private let observer: ((TrainingEvent) -> Void)?
    /// How the run ended, applied once its weights are written.
    private var ending = Phase.completed

    init(run: TrainingRun, log: SessionLog, observer: ((TrainingEvent) -> Void)?) {
        work = .inProcess(run)
        outputDirectory = run.outputDirectory
        self.log = log
        self.observer = observer
        state = Progress(totalSteps: run.trainer.totalSteps, firstStep: run.trainer.step)
    }

    /// A job that `launch` starts and reports through its `metrics.jsonl`.
    init(launch: MPILaunch, totalSteps: Int, log: SessionLog, observer: ((TrainingEvent) -> Void)?) {
        work = .launched(launch)
        outputDirectory = launch.outputDirectory
        self.log = log
        self.observer = observer
        state = Progress(totalSteps: totalSteps, firstStep: 0)
    }

    /// A copy of the progress, safe to read from any thread.
    public var progress: Progress { lock.withLock { state } }

    /// Starts the run on a background thread.
    func start() {
        let thread = Thread { [self] in
            let reporter = ProgressPrinter(isTerminal: false) { [log] text in
                log.append(.training, text.trimmingCharacters(in: .newlines))
            }
            let listener = { [self] (event: TrainingEvent) in
                record(event)
                if case .step = event {} else { reporter.show(event) }
                observer?(event)
            }
            do {
                switch work {
                case let .inProcess(run): try run.run(shouldStop: { [stopRequest] in stopRequest.isRaised }, listener: listener)
                case let .launched(launch): try launch.run(shouldStop: { [stopRequest] in stopRequest.isRaised }, log: log, listener: listener)
                }
                lock.withLock { state.phase = ending }
            } catch {
                lock.withLock { state.phase = .failed("\(error)") }
                log.append(.error, "train: \(error)")
            }
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    private func record(_ event: TrainingEvent) {
        lock.withLock {
            switch event {
            case let .step(metrics): state.steps.append(metrics)
            case let .evaluation(metrics): state.evaluations.append(metrics)
            case .finished(_, .completed): ending = .completed
            case .finished(_, .stopped): ending = .stopped
            case let .finished(step, .nonFiniteLoss): ending = .failed("the loss is not finite at step \(step + 1)")
            case .saved, .ranks: break
            }
        }
    }

    /// Asks the run to stop at the end of the current step (it writes a checkpoint to resume from).
    public func stop() {
        stopRequest.raise()
        lock.withLock { if state.phase == .running { state.phase = .stopping } }
    }

    /// Blocks until the run ends and its weights are written, calling `poll` every 50 ms (the REPL
    /// checks for Ctrl-C there).
    public func wait(poll: () -> Void = {}) {
        while progress.phase.isActive {
            poll()
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
