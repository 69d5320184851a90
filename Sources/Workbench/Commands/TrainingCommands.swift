import Foundation
import Models
import Tokenizers
import Training
import Tuners

/// `train`, `stop`, `resume`, `eval`, `generate`, `ranks`, `params`: running the adapted model.
enum TrainingCommands {
    static let all: [CommandSpec] = [train, stop, resume, eval, generate, ranks, params]

    static let train: CommandSpec = CommandSpec(
        "train", usage: "train [KEY=VALUE ...] [ranks=N]",
        summary: "train the active adapter in the background (recipe keys: max_steps=100 lr=1e-4 ...; remembered; ranks=N: N processes under mpirun)",
        arguments: ["": .recipeKey]
    ) { controller, invocation in
        try start(controller, invocation: invocation, resumeFrom: nil)
    }

    static let resume: CommandSpec = CommandSpec(
        "resume", usage: "resume DIR [KEY=VALUE ...]", summary: "continue a stopped run from its checkpoint folder (output_dir/checkpoint-N)",
        arguments: ["": .path]
    ) { controller, invocation in
        guard let first = invocation.words.first, !first.contains("=") else { throw invocation.error("missing DIR (usage: \(invocation.usage))") }
        let checkpoint = URL(fileURLWithPath: (first as NSString).expandingTildeInPath)
        var words = Array(invocation.words.dropFirst())
        if controller.training.partial["output_dir"] == nil, !words.contains(where: { $0.hasPrefix("output_dir=") }) {
            words.append("output_dir=\(checkpoint.deletingLastPathComponent().path)")
        }
        try start(controller, invocation: Invocation(command: invocation.command, words: words, usage: invocation.usage), resumeFrom: checkpoint)
    }

    /// Starts a run of the active adapter (making `default` from the config if there is none).
    static func start(_ controller: Controller, invocation: Invocation, resumeFrom checkpoint: URL?) throws {
        let command = invocation.command
        let workspace = try controller.requireWorkspace(command, needs: [.idle, .weights])
        var settings = controller.training
        var pairs = try invocation.keyValues(invocation.words)
        let ranks = try pairs.first { $0.key == "ranks" }.map { pair -> Int in
            guard let n = Int(pair.value), n >= 1 else { throw invocation.error("ranks must be a whole number ≥ 1, got \(pair.value)") }
            return n
        }
        pairs.removeAll { $0.key == "ranks" }
        try settings.apply(pairs, command: command)
        if let ranks, ranks > 1 {
            guard checkpoint == nil else { throw invocation.error("ranks=N starts a fresh data-parallel job; resume one with `mpirun -np N lorakit train RECIPE --resume DIR`") }
            return try launch(controller, ranks: ranks, settings: settings, command: command)
        }
        if let peft = workspace.peft, peft.adapterLayers.contains(where: { $0.layer.isMerged }) {
            throw CommandError(command, "an adapter is merged; `unmerge` before training")
        }
        // The settings are checked as a recipe before they are remembered, so a refused value is not kept.
        let adapterName = workspace.peft?.activeAdapter ?? AdapterFiles.defaultAdapterName
        let recipe = try settings.recipe(model: workspace.reference.description, data: controller.dataSource ?? DataCommands.defaultSource,
                                         outputDirectory: newRunDirectory(controller, adapter: adapterName).path)
        var remembered = settings
        if checkpoint != nil { remembered.partial["output_dir"] = controller.training.partial["output_dir"] }
        controller.training = remembered
        if let peft = workspace.peft, let other = AdapterCommands.otherMethod(peft, than: controller.draft.method.peftType) {
            // The method was switched: train a new adapter of it, not the old one.
            controller.say("the method is \(controller.draft.method.name) but the adapters are \(other): making a \(controller.draft.method.name) adapter")
            try AdapterCommands.create(adapterName, in: workspace, controller: controller, command: command)
        } else if workspace.peft == nil {
            try AdapterCommands.create(adapterName, in: workspace, controller: controller, command: command)
        } else if checkpoint == nil, let note = controller.trainingDraftNote() {
            controller.say(note)
        }
        let peft = workspace.peft!
        if controller.dataSource == nil { controller.say("no data loaded; training on \(DataCommands.defaultSource) (`data load` to choose)") }
        let run = try TrainingRun(recipe: recipe, model: workspace.model, peft: peft, tokenizer: workspace.requireTokenizer,
                                  modelDirectory: workspace.reference.directory, resumeFrom: checkpoint)
        let job = TrainingJob(run: run, log: controller.log, observer: controller.trainingObserver)
        controller.job = job
        controller.unsavedAdapters.remove(peft.activeAdapter ?? "")
        for warning in run.warnings { controller.say("warning: \(warning)") }
        for note in run.notes { controller.say("note: \(note)") }
        // With `logging` above 1 nothing is reported before that step, so say when the first report comes.
        let reports = recipe.logging > 1 ? "; progress every \(recipe.logging) steps (logging=\(recipe.logging)), the first at step \(min(run.trainer.totalSteps, (run.trainer.step / recipe.logging + 1) * recipe.logging))" : ""
        controller.say("training \(peft.activeAdapter ?? "") on \(recipe.data): steps \(run.trainer.step + 1)-\(run.trainer.totalSteps), lr \(recipe.lr), batch \(recipe.batchSize) × \(recipe.seqLen) tokens → \(run.outputDirectory.path)\(reports)")
        job.start()
    }

    /// `train ranks=N`: the session written as a recipe beside a new run folder, trained by
    /// `mpirun -np N lorakit train` in N processes and followed like any run. The session's adapter
    /// is left as it is; the job writes its own to the run folder.
    static func launch(_ controller: Controller, ranks: Int, settings: TrainingSettings, command: String) throws {
        guard let launcher = MPILaunch.findLauncher() else {
            throw CommandError(command, "ranks=\(ranks) starts mpirun, which is not installed (Debian: openmpi-bin); ranks=1 trains here")
        }
        try settings.check(command: command)
        controller.training = settings
        let folder = newRunDirectory(controller, adapter: "ranks\(ranks)")
        let recipe = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + ".recipe.yaml")
        let (text, _) = try RecipeExport.yaml(controller, command: command, outputDirectory: folder)
        try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: recipe, options: .atomic)
        let job = MPILaunch(launcher: launcher, lorakit: controller.environment.lorakitExecutable, ranks: ranks, recipe: recipe, outputDirectory: folder)
        let total = (try? settings.recipe(model: "builtin:tiny-llama", data: DataCommands.defaultSource, outputDirectory: folder.path).maxSteps) ?? nil
        controller.job = TrainingJob(launch: job, totalSteps: total ?? 0, log: controller.log, observer: controller.trainingObserver)
        controller.say("training on \(ranks) ranks: mpirun -np \(ranks) lorakit train \(recipe.path) → \(folder.path) (its output in \(job.outputFile.path)); "
            + "batch_size \(settings.value(of: "batch_size") ?? "8") per rank; the session's adapter stays as it is, `adapter load \(folder.path)` loads the result")
        controller.job?.start()
    }

    /// `runs/ADAPTER-N`, the first that does not exist.
    static func newRunDirectory(_ controller: Controller, adapter: String) -> URL {
        var index = 1
        while true {
            let url = controller.environment.runsDirectory.appendingPathComponent("\(adapter)-\(index)")
            if !FileManager.default.fileExists(atPath: url.path) { return url }
            index += 1
        }
    }

    static let stop: CommandSpec = CommandSpec("stop", usage: "stop", summary: "stop the generation going, or the run at the end of this step (it writes a checkpoint)") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        if let generation = controller.generation, generation.isActive {
            generation.stop()
            controller.say("stopping the generation")
            return
        }
        guard let job = controller.job, job.progress.phase.isActive else { throw invocation.error("no run is going") }
        job.stop()
        controller.say("stopping at the end of this step")
    }

    static let eval: CommandSpec = CommandSpec(
        "eval", usage: "eval", summary: "evaluation loss and perplexity of the active adapter on held-out data (eval_data, or eval_split of the data)"
    ) { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        let workspace = try controller.requireWorkspace(invocation.command, needs: [.idle, .weights])
        var settings = controller.training
        if settings.partial["eval_data"] == nil, (settings.partial["eval_split"]?.doubleValue ?? 0) <= 0 {
            try settings.apply([("eval_split", "0.02")], command: invocation.command)
        }
        let recipe = try settings.recipe(model: workspace.reference.description, data: controller.dataSource ?? DataCommands.defaultSource,
                                         outputDirectory: controller.environment.runsDirectory.path)
        // The held-out examples and the loss of a run's evaluation with these settings.
        let data = try RecipeExamples(recipe: recipe, tokenizer: workspace.requireTokenizer, tokenizerDirectory: workspace.reference.directory)
        guard let held = data.evaluation else { throw invocation.error("no evaluation data; set eval_data or eval_split") }
        let metrics = try Evaluator(model: workspace.model, examples: held, batchSize: recipe.batchSize, padId: data.padId).evaluate()
        controller.say(String(format: "eval loss %.4f", metrics.loss) + (metrics.perplexity.map { String(format: "  perplexity %.2f", $0) } ?? "")
            + (metrics.accuracy.map { String(format: "  accuracy %.1f%%", $0 * 100) } ?? ""))
    }

    static let generate: CommandSpec = CommandSpec(
        "generate", usage: "generate PROMPT [max_new_tokens=N temperature=T top_k=K top_p=P seed=S] [--compare] [--chat]",
        summary: "continue PROMPT with the adapted model (--compare: the base model first, then the adapter, same seed; --chat: reply to PROMPT through the chat template)"
    ) { controller, invocation in
        var invocation = invocation
        let compare = invocation.flag("--compare")
        let chat = invocation.flag("--chat")
        try invocation.noUnknownOptions(["--compare", "--chat"])
        let words = try invocation.arguments(1, names: "PROMPT (quote it if it has spaces)")
        let workspace = try controller.requireWorkspace(invocation.command, needs: [.idle, .weights])
        let tokenizer = try workspace.requireTokenizer(invocation.command)
        let template = try chat ? ChatTemplate(directory: workspace.tokenizerSource.directory) : nil
        let stops = try EndOfSequenceIds.read(modelDirectory: workspace.reference.directory).union([tokenizer.eosTokenId].compactMap { $0 })
        var options = SamplingOptions(maxNewTokens: 40, stopTokens: stops)
        for (key, value) in try invocation.keyValues(Array(words.dropFirst())) {
            let bad = invocation.error("\(key) needs a number, got \(value)")
            switch key {
            case "max_new_tokens": guard let n = Int(value) else { throw bad }; options.maxNewTokens = n
            case "temperature": guard let t = Float(value) else { throw bad }; options.temperature = t
            case "top_k": guard let k = Int(value) else { throw bad }; options.topK = k
            case "top_p": guard let p = Float(value) else { throw bad }; options.topP = p
            case "seed": guard let s = UInt64(value) else { throw bad }; options.seed = s
            default: throw CommandError.unknown("generate", what: "option", word: key, valid: ["max_new_tokens", "temperature", "top_k", "top_p", "seed"])
            }
        }
        do { try options.validate() } catch { throw invocation.error("\(error)") }
        var passes = [GenerationJob.Pass.plain]
        if compare {
            guard let peft = workspace.peft, let active = peft.activeAdapter else {
                throw invocation.error("--compare sets the adapter's text beside the base model's; there is no adapter yet (`train`, `adapter new` or `adapter load`)")
            }
            if peft.adapterLayers.contains(where: { $0.layer.isMerged }) {
                throw invocation.error("--compare needs the adapter apart from the base weights, and it is merged; `unmerge` first")
            }
            passes = [GenerationJob.Pass(label: "base") { body in try peft.withAdaptersDisabled(body) }, GenerationJob.Pass(label: active) { try $0() }]
        }
        let generation = GenerationJob(prompt: words[0], tokenizer: tokenizer, model: workspace.model, template: template, options: options, passes: passes)
        controller.generation = generation
        if controller.generatesInBackground {
            generation.start(log: controller.log)
            return
        }
        let observer = controller.generationObserver
        let text = try generation.run(onText: { observer?($0) }, shouldStop: { controller.interruptRequested?() == true })
        controller.log.append(.generated, text)
        if generation.phase == .stopped { controller.say("(stopped)") }
    }

    static let ranks: CommandSpec = CommandSpec(
        "ranks", usage: "ranks [RUN_DIR]", summary: "AdaLoRA's rank allocation (layer × module) of the last or a given run",
        arguments: ["": .path]
    ) { controller, invocation in
        let given = try invocation.arguments(0, 1, names: "RUN_DIR").first
        guard let folder = given.map({ URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }) ?? controller.job?.outputDirectory else {
            throw invocation.error("no run yet; give a run folder (its metrics.jsonl holds the allocations)")
        }
        let history = try RankHistory(runDirectory: folder)
        controller.rankFolder = folder
        controller.say(RankReport.text(history))
    }

    static let params: CommandSpec = CommandSpec("params", usage: "params", summary: "PEFT's trainable-parameter line") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        controller.say(try controller.requireWorkspace(invocation.command).parameterSummary)
    }
}
