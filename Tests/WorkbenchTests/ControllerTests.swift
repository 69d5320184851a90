import Foundation
import Testing
import Workbench

/// The command language on a controller, without a terminal.
@Suite(.serialized) struct ControllerTests {
    @Test func loadShowsTheModelAndThePeftDefaultTargets() throws {
        let session = try TestSession(loaded: false)
        let printed = try session.run("load \(session.modelPath) --from-scratch")
        #expect(printed.contains("loaded LlamaForCausalLM (llama)"))
        #expect(printed.contains("targets: 4 modules (PEFT's defaults for llama)"))
        #expect(try session.run("tree --depth 2").contains("layers.0-1 (×2)  LlamaDecoderLayer"))
        #expect(try session.run("find q_proj").contains("● model.layers.1.self_attn.q_proj"))
    }

    @Test func unknownWordsNameTheCommandAndTheClosestValidWord() throws {
        let session = try TestSession()
        #expect(session.failure("trian") == "unknown command \"trian\"; did you mean train?")
        #expect(session.failure("target ad q_proj") == "target: unknown subcommand \"ad\"; did you mean add?")
        #expect(session.failure("config set lora_alpah 16") == "config set: unknown lora config key \"lora_alpah\"; did you mean lora_alpha?")
        #expect(session.failure("train lrr=1") == "train: unknown recipe key \"lrr\"; did you mean lr?")
        #expect(session.failure("tree model.layers.9").hasPrefix("tree: no module model.layers.9; did you mean"))
        #expect(session.failure("load") == "load: missing MODEL (a folder with config.json, or builtin:NAME) (usage: load MODEL [--meta] [--from-scratch] [--dtype float32|bfloat16|float16|nf4 [--double-quant]])")
    }

    @Test func targetRulesFollowPeftMatchingAndCountWhatEachSelects() throws {
        let session = try TestSession()
        let added = try session.run("target only q_proj self_attn.v_proj")
        #expect(added.contains("+ q_proj: selects 2 modules"))
        #expect(added.contains("+ self_attn.v_proj: selects 2 modules"))
        #expect(added.hasSuffix("targets: 4 modules"))
        #expect(try session.run("target add 'model\\.layers\\.0\\..*_proj'").contains("selects 7 modules"))
        #expect(session.controller.selection.names.count == 9)
        #expect(try session.run("target remove model.layers.1.self_attn.q_proj").contains("(excluded)"))
        #expect(!session.controller.selection.names.contains("model.layers.1.self_attn.q_proj"))
        #expect(try session.run("target only all-linear").hasSuffix("targets: 14 modules"))
        #expect(session.failure("target add q_prj").contains("Close module names: q_prj → q_proj"))
        try session.run("target clear")
        #expect(session.controller.selection.names.count == 4)
    }

    @Test func configValuesAreValidatedAsPeftValidatesThem() throws {
        let session = try TestSession()
        #expect(try session.run("config set r 16") == "r = 16")
        #expect(session.failure("config set lora_dropout 1.5") == "config set: lora_dropout: must be in [0, 1); got 1.5")
        #expect(session.failure("config set r 0") == "config set: r: `r` should be a positive integer value but the value passed is 0")
        try session.run("config set target_modules q_proj k_proj")
        #expect(session.controller.rules.entries == ["q_proj", "k_proj"])
        let shown = try session.run("config show")
        #expect(shown.contains("* r                    16"))
        #expect(shown.contains("  lora_alpha           8"))
        let file = session.folder.appendingPathComponent("adapter_config.json")
        try session.run("config save \(file.path)")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("\"r\": 16") && text.contains("\"task_type\": \"CAUSAL_LM\""))
        try session.run("config unset r")
        try session.run("config load \(file.path)")
        #expect(session.controller.draft.value(of: "r") == "16")
        try session.run("method adalora")
        #expect(session.failure("config set total_step 0").hasPrefix("config set: total_step:"))
        #expect(session.failure("config set use_dora true").hasPrefix("config set: unknown adalora config key \"use_dora\""))
    }

    /// `config save` through a link (as /dev/stdout is) writes where it points and keeps the link;
    /// a folder that does not exist is named as the problem, in words.
    @Test func configSaveWritesThroughLinksAndSaysWhyItCannot() throws {
        let session = try TestSession()
        let target = session.folder.appendingPathComponent("real.json"), link = session.folder.appendingPathComponent("link.json")
        try Data().write(to: target)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        try session.run("config save \(link.path)")
        #expect(try String(contentsOf: target, encoding: .utf8).contains("\"peft_type\""))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        let missing = session.folder.appendingPathComponent("no/such/adapter_config.json").path
        #expect(session.failure("config save \(missing)") == "config save: cannot write \(missing): the folder it goes in does not exist")
    }

    @Test func adaptersCanBeMadeSwitchedSavedLoadedMergedAndExported() throws {
        let session = try TestSession()
        try session.run("config set r 4")
        #expect(try session.run("adapter new first").contains("trainable params: 896 || all params: 150,560 || trainable%: 0.5951"))
        try session.run("adapter new second")
        #expect(try session.run("adapter list") == "  first  r=4 alpha=8  4 modules\n* second  r=4 alpha=8  4 modules active")
        try session.run("adapter use first")
        let saved = session.folder.appendingPathComponent("saved")
        #expect(try session.run("save \(saved.path)").contains("saved second to \(saved.path)/second"))
        try session.run("merge")
        #expect(try session.run("adapter list").contains("first  r=4 alpha=8  4 modules active merged"))
        try session.run("unmerge")
        let exported = session.folder.appendingPathComponent("merged")
        try session.run("export \(exported.path)")
        #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent("model.safetensors").path))
        #expect(try session.run("params").contains("all params: 151,456"))
        try session.run("adapter load \(saved.path)/first again")
        try session.run("adapter delete second")
        #expect(try session.run("adapter list").contains("* again"))
    }

    @Test func trainingRunsInTheBackgroundAndReportsEverything() throws {
        let session = try TestSession()
        try session.train(steps: 4)
        let progress = try #require(session.controller.job?.progress)
        #expect(progress.phase == .completed)
        #expect(progress.steps.map(\.step) == [1, 2, 3, 4])
        #expect(progress.evaluations.map(\.step) == [2, 4])
        let log = session.output()
        #expect(log.contains("eval at step 4:") && log.contains("finished after 4 steps"))
        #expect(try session.run("eval").hasPrefix("eval loss "))
        #expect(try session.run("generate \"A day\" max_new_tokens=3").hasPrefix("A day"))
        #expect(session.failure("stop") == "stop: no run is going")
        let folder = try #require(session.controller.job?.outputDirectory)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("adapter_model.safetensors").path))
    }

    @Test func stopEndsTheRunWithACheckpointAndResumeContinuesIt() throws {
        let session = try TestSession()
        try session.run("train max_steps=500 batch_size=2 seq_len=16 eval_split=0")
        try waitUntil("two training steps") { (session.controller.job?.progress.steps.count ?? 0) >= 2 }
        #expect(session.failure("target add k_proj") == "target add: a training run is going; wait for it or `stop` it first")
        try session.run("stop")
        session.controller.job?.wait()
        let progress = try #require(session.controller.job?.progress)
        #expect(progress.phase == .stopped)
        let step = try #require(progress.steps.last?.step)
        let checkpoint = try #require(session.controller.job?.outputDirectory.appendingPathComponent("checkpoint-\(step)"))
        try session.run("resume \(checkpoint.path) max_steps=\(step + 2)")
        session.controller.job?.wait()
        #expect(session.controller.job?.progress.steps.map(\.step) == [step + 1, step + 2])
    }

    @Test func adaloraRunsAllocateRanksThatTheRankViewReads() throws {
        let session = try TestSession()
        try session.run("method adalora")
        try session.run("config set init_r 4")
        try session.run("config set target_r 2")
        try session.run("config set tinit 1")
        try session.run("config set tfinal 1")
        try session.run("train max_steps=6 batch_size=2 seq_len=16 eval_split=0")
        session.controller.job?.wait()
        #expect(try session.run("adapter list").contains("default  adalora r 4→2 over 6 steps"))
        #expect(try session.run("ranks").contains("AdaLoRA run finished at step 6 of 6"))
        let state = TUIState()
        state.showRanks = true
        let grid = Screen.render(controller: session.controller, state: state, width: 100, height: 30)
        #expect(grid.contains("AdaLoRA ranks") && grid.contains("q_proj") && grid.contains("L1"))
    }

    @Test func scriptsReplayAndStopAtTheFailingLine() throws {
        let session = try TestSession()
        let recorded = session.folder.appendingPathComponent("recorded.lks")
        try session.run("record start \(recorded.path)")
        try session.run("target add q_proj")
        try session.run("config set r 2")
        try session.run("record stop")
        let replay = try TestSession()
        try replay.run("source \(recorded.path)")
        #expect(replay.controller.rules == session.controller.rules)
        #expect(replay.controller.draft == session.controller.draft)
        let broken = session.folder.appendingPathComponent("broken.lks")
        try "# a comment\n\ntarget only q_proj\nconfig set r nope\ntarget add v_proj\n".write(to: broken, atomically: true, encoding: .utf8)
        let failure = replay.failure("source \(broken.path)")
        #expect(failure.hasPrefix("\(broken.path):4: config set: r: must be an integer"))
        #expect(!replay.controller.rules.entries.contains("v_proj"))
    }

    @Test func themesLoadAndABadFileIsReportedWithItsLine() throws {
        let session = try TestSession()
        try session.run("theme solarized-dark")
        #expect(session.controller.theme.name == "solarized-dark")
        let folder = session.folder.appendingPathComponent("themes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "text = default\nselction = red\n".write(to: folder.appendingPathComponent("bad.theme"), atomically: true, encoding: .utf8)
        let custom = Controller(environment: WorkbenchEnvironment(themeDirectories: [folder], historyFile: folder, runsDirectory: folder))
        #expect(throws: CommandError.self) { try custom.execute("theme bad") }
        #expect(custom.log.entries.last?.text == "theme: \(folder.path)/bad.theme:2: unknown role \"selction\"; did you mean selection?; keeping the theme default")
        #expect(custom.theme == .builtinDefault)
        let shipped = try Theme.load("default", from: [TestSession.repository.appendingPathComponent("themes")])
        #expect(shipped.styles == Theme.builtinDefault.styles)
    }

    @Test func completionOffersCommandsModulesKeysAndPaths() throws {
        let session = try TestSession()
        let completer = Completer(controller: session.controller)
        #expect(completer.candidates(for: "ta") == ["target"])
        #expect(completer.candidates(for: "target a") == ["add"])
        #expect(completer.candidates(for: "target add q_p") == ["q_proj"])
        #expect(completer.candidates(for: "config set lora_d") == ["lora_dropout"])
        #expect(completer.candidates(for: "train max_s") == ["max_steps="])
        #expect(completer.candidates(for: "load \(session.folder.path)/mo") == ["\(session.folder.path)/model/"])
    }
}
