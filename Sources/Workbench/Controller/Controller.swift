import Foundation
import Models
import Training
import Tuners

/// The state of one workbench session — the model, its adapters, the config being edited, the
/// target rules, the data, the running job, the log — and the one place commands act on it. Every
/// front end (REPL, TUI, scripts) hands it command lines; screens only read it.
public final class Controller {
    public let log = SessionLog()
    public let commands = CommandTable.standard
    public let environment: WorkbenchEnvironment
    public internal(set) var workspace: ModelWorkspace?
    public internal(set) var draft = ConfigDraft()
    public internal(set) var rules = TargetRules()
    /// The dataset `data load` chose (`builtin:fortunes` until then).
    public internal(set) var dataSource: String?
    public internal(set) var training = TrainingSettings()
    public internal(set) var job: TrainingJob?
    /// The last `generate` (going on in the background in the TUI).
    public internal(set) var generation: GenerationJob?
    /// Set by the TUI: `generate` runs on a thread of its own instead of blocking.
    public var generatesInBackground = false
    /// Sees each piece of generated text as it is decoded (the REPL prints it).
    public var generationObserver: ((String) -> Void)?
    public internal(set) var theme: Theme
    public internal(set) var recorder: SessionRecorder?
    /// Run folders whose loss curves are overlaid on the loss plot (`runs compare`).
    public internal(set) var comparedRuns: [URL] = []
    /// The run folder whose rank allocations the rank view shows (the last run, or `ranks DIR`).
    public internal(set) var rankFolder: URL?
    /// Adapters made in this session and not written anywhere yet (`save`, or a run's folder).
    public internal(set) var unsavedAdapters: Set<String> = []
    /// How each combined or reduced adapter was made (`svd of a:0.7 b:0.3`), for `adapter list`.
    public internal(set) var adapterRecipes: [String: AdapterRecipe] = [:]
    /// Set by `quit`; front ends end when they see it.
    public internal(set) var quitRequested = false
    /// Counts state changes, so screens can tell when to rebuild what they derive from the state.
    public private(set) var revision = 0
    /// Sees every training event on the training thread (the REPL's progress bar).
    public var trainingObserver: ((TrainingEvent) -> Void)?
    /// Set by the TUI: `source` hands its script here to be played between frames instead of blocking.
    public var scriptQueue: ((SessionPlayer) -> Void)?
    /// Set by the REPL and `lorakit run`: whether Ctrl-C was pressed, asked between the lines of a
    /// script and while it waits for a run, so the script can be aborted.
    public var interruptRequested: (() -> Bool)?
    /// How many script lines are running (a script's lines are not recorded again, only its `source`).
    var replaying = 0
    /// Scripts being run by `source`, innermost last, to refuse a script that sources itself.
    var sourcing: [String] = []
    private var selectionCache: (revision: Int, selection: TargetSelection)?
    /// The target rules and config before each command that changed them, newest last (`undo`).
    var undoStack: [Edit] = []
    static let undoLimit = 200

    /// A command that changed the target rules or the config, and what they were before it.
    struct Edit {
        let line: String
        let rules: TargetRules
        let draft: ConfigDraft
    }

    public init(environment: WorkbenchEnvironment = .standard(), theme: Theme = .builtinDefault) {
        self.environment = environment
        self.theme = theme
    }

    /// Runs one command line. The line and its output go to the log; a failure is logged as an
    /// error naming the command and thrown (a script stops there).
    public func execute(_ line: String) throws {
        let words: [String]
        do { words = try CommandWords.split(line) } catch {
            log.append(.error, "\(error)")
            throw CommandError("", "\(error)")
        }
        guard let name = words.first else { return }
        // The text a background generation made so far comes before this line (`stop` drops the rest).
        generation?.flushToLog()
        log.append(.command, line.trimmingCharacters(in: .whitespaces))
        defer { revision += 1 }
        var named = name
        do {
            let spec = try commands.lookup(name)
            if words.count > 1, spec.subcommands.contains(words[1]) { named += " " + words[1] }
            let before = Edit(line: line.trimmingCharacters(in: .whitespaces), rules: rules, draft: draft)
            try spec.run(self, Invocation(command: name, words: Array(words.dropFirst()), usage: spec.usage))
            // Only lines that worked, and not `stop`, which depends on what runs at that moment.
            if spec.name != "record", spec.name != "stop", replaying == 0 { recorder?.record(line) }
            if before.rules != rules || before.draft != draft {
                if let note = activeAdapterNote(before: before) { say(note) }
                if spec.name != "undo" {
                    undoStack.append(before)
                    if undoStack.count > Self.undoLimit { undoStack.removeFirst() }
                }
            }
        } catch let error as CommandError {
            log.append(.error, error.description)
            throw error
        } catch let error as ScriptError {
            throw error
        } catch {
            let wrapped = CommandError(named, "\(error)")
            log.append(.error, wrapped.description)
            throw wrapped
        }
    }

    /// Runs a line and reports whether it succeeded (front ends that only show the log).
    @discardableResult
    public func submit(_ line: String) -> Bool {
        do { try execute(line); return true } catch { return false }
    }

    /// Writes command output to the log.
    func say(_ text: String) { log.append(.output, text) }

    /// Refuses commands that change or use the model while a run trains it or text is generated.
    func requireIdle(_ command: String) throws {
        if let job, job.progress.phase.isActive {
            throw CommandError(command, "a training run is going; wait for it or `stop` it first")
        }
        if isGenerating { throw CommandError(command, "text is being generated; wait for it or `stop` it (x) first") }
    }

    /// The config being drafted, validated, for the loaded model (AdaLoRA's `total_step` defaults to
    /// the run's `max_steps`).
    public func draftConfig() throws -> any PeftConfig {
        try draft.peftConfig(rules: rules, task: workspace?.model.task, totalStep: training.maxSteps)
    }

    /// Whether a training run is going.
    public var isTraining: Bool { job?.progress.phase.isActive ?? false }

    /// Whether a background `generate` is going.
    public var isGenerating: Bool { generation?.isActive ?? false }

    /// Whether a run or a generation is going (a script waits before its next line).
    public var isBusy: Bool { isTraining || isGenerating }

    /// The modules the current rules and config select, recomputed when the state changed.
    public var selection: TargetSelection {
        if let cached = selectionCache, cached.revision == revision { return cached.selection }
        let selection = TargetSelection(controller: self)
        selectionCache = (revision, selection)
        return selection
    }
}

/// Which modules of the loaded model the current target rules select, as PEFT would choose them,
/// or why none are.
public struct TargetSelection {
    /// Full names of the selected modules.
    public let names: Set<String>
    /// PEFT's message when the rules select nothing or the config is invalid.
    public let problem: String?

    /// The selection of `rules` (the controller's own by default) with the controller's config.
    init(controller: Controller, rules: TargetRules? = nil) {
        guard let workspace = controller.workspace else {
            names = []
            problem = nil
            return
        }
        do {
            let config = try controller.draft.peftConfig(rules: rules ?? controller.rules, task: workspace.model.task, totalStep: controller.training.maxSteps)
            names = Set(try config.targetedModuleNames(in: workspace.model))
            problem = nil
        } catch {
            names = []
            problem = "\(error)"
        }
    }
}
