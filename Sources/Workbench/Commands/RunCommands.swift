import FileAccess
import Foundation

/// `runs`: every training run in the runs folder, this session's and earlier ones: the list
/// (method, config, steps, best eval loss, speed, when), one run's details, runs overlaid on the
/// loss plot, delete and rename.
enum RunCommands {
    static let all: [CommandSpec] = [runs]

    static let runs: CommandSpec = CommandSpec(
        "runs", usage: "runs [list] | runs show RUN | runs compare RUN... | runs compare clear | runs delete RUN | runs rename RUN NEW | runs export RUN FILE.csv [--overwrite]",
        summary: "the training runs kept in the runs folder: list, details, overlay on the loss plot, delete, rename, metrics as CSV",
        subcommands: ["list", "show", "compare", "delete", "rename", "export"],
        arguments: ["show": .run, "compare": .run, "delete": .run, "rename": .run, "export": .run]
    ) { controller, invocation in
        var invocation = invocation
        let sub = invocation.words.isEmpty ? "list" : try invocation.subcommand(["list", "show", "compare", "delete", "rename", "export"])
        switch sub {
        case "show":
            let record = try find(try invocation.arguments(1, 1, names: "RUN")[0], controller, command: invocation.command)
            var lines = ["\(record.name)  \(record.folder.path)", "method \(record.method)  \(record.config)",
                         "steps \(record.lastStep)/\(record.totalSteps.map(String.init) ?? "?")" + (record.finished ? " (finished)" : " (not finished)")]
            if let best = record.bestEvaluation { lines.append(String(format: "best eval loss %.4f at step %d", best.loss, best.step)) }
            let state = record.folder.appendingPathComponent("run_state.json")
            if let data = FileManager.default.contents(atPath: state.path),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let best = object["best_model_checkpoint"] as? String {
                lines.append("best checkpoint \(best)")
            }
            controller.say(lines.joined(separator: "\n"))
        case "compare":
            let names = try invocation.arguments(1, names: "RUN... (names from `runs`), or clear")
            if names == ["clear"] {
                controller.comparedRuns = []
                controller.say("no runs overlaid")
                return
            }
            let records = try names.map { try find($0, controller, command: invocation.command) }
            controller.comparedRuns = records.map(\.folder)
            controller.say("overlaid on the loss plot: " + records.map(\.name).joined(separator: ", "))
        case "delete":
            let record = try find(try invocation.arguments(1, 1, names: "RUN")[0], controller, command: invocation.command)
            if controller.isTraining, controller.job.map({ RunRecord.sameFolder($0.outputDirectory, record.folder) }) == true {
                throw invocation.error("\(record.name) is training; `stop` it first")
            }
            try FileManager.default.removeItem(at: record.folder)
            controller.comparedRuns.removeAll { RunRecord.sameFolder($0, record.folder) }
            controller.say("deleted \(record.folder.path)")
        case "rename":
            let words = try invocation.arguments(2, 2, names: "RUN NEW")
            let record = try find(words[0], controller, command: invocation.command)
            guard !words[1].contains("/"), !words[1].hasPrefix(".") else { throw invocation.error("NEW is a folder name, without / (got \(words[1]))") }
            let target = record.folder.deletingLastPathComponent().appendingPathComponent(words[1])
            guard !FileManager.default.fileExists(atPath: target.path) else { throw invocation.error("\(target.path) exists; choose another name") }
            if controller.isTraining, controller.job.map({ RunRecord.sameFolder($0.outputDirectory, record.folder) }) == true {
                throw invocation.error("\(record.name) is training; `stop` it first")
            }
            try FileManager.default.moveItem(at: record.folder, to: target)
            controller.comparedRuns = controller.comparedRuns.map { RunRecord.sameFolder($0, record.folder) ? target : $0 }
            controller.say("renamed \(record.name) to \(words[1])")
        case "export":
            let overwrite = invocation.flag("--overwrite")
            try invocation.noUnknownOptions(["--overwrite"])
            let words = try invocation.arguments(2, 2, names: "RUN FILE.csv")
            let record = try find(words[0], controller, command: invocation.command)
            let url = URL(fileURLWithPath: (words[1] as NSString).expandingTildeInPath)
            if !overwrite, FileManager.default.fileExists(atPath: url.path) {
                throw invocation.error("\(words[1]) exists; `runs export \(words[0]) \(words[1]) --overwrite` replaces it, or choose another name")
            }
            let metrics = record.folder.appendingPathComponent("metrics.jsonl")
            let text = MetricsCSV.table(metrics: String(decoding: FileManager.default.contents(atPath: metrics.path) ?? Data(), as: UTF8.self))
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw invocation.error("cannot write \(words[1]): \(FileProblem.writing(url, error: error))")
            }
            controller.say("wrote \(words[1]): \(text.split(separator: "\n").count - 1) steps of \(record.name), columns \(text.prefix { $0 != "\n" })")
        default:
            _ = try invocation.arguments(0, 0, names: "")
            let records = list(controller)
            guard !records.isEmpty else {
                controller.say("no runs yet in \(controller.environment.runsDirectory.path); `train` makes one")
                return
            }
            let best = records.compactMap { $0.bestEvaluation.map(\.loss) }.min()
            let compared = controller.comparedRuns
            let width = records.map(\.name.count).max() ?? 4
            let formatter = DateFormatter()
            formatter.dateFormat = "MM-dd HH:mm"
            controller.say((["  " + "run".rightPadded(to: width) + "  method    steps     best eval  tok/s  when         config"] + records.map { record in
                let eval = record.bestEvaluation.map { String(format: "%.4f", $0.loss) + ($0.loss == best ? "*" : " ") } ?? "-      "
                let steps = "\(record.lastStep)/\(record.totalSteps.map(String.init) ?? "?")"
                return (compared.contains { RunRecord.sameFolder($0, record.folder) } ? "● " : "  ") + record.name.rightPadded(to: width) + "  "
                    + record.method.rightPadded(to: 8) + "  " + steps.rightPadded(to: 8) + "  " + eval.leftPadded(to: 10) + "  "
                    + (record.tokensPerSecond.map { String(format: "%.0f", $0) } ?? "-").leftPadded(to: 5) + "  "
                    + formatter.string(from: record.modified) + "  " + record.config
            } + ["(● overlaid on the loss plot, * best eval loss; `runs compare RUN...` overlays, `runs show RUN` details)"]).joined(separator: "\n"))
        }
    }

    /// The runs of the runs folder, and the current run's folder when it is elsewhere; newest first.
    static func list(_ controller: Controller) -> [RunRecord] {
        var records = RunRecord.all(in: controller.environment.runsDirectory)
        if let folder = controller.job?.outputDirectory, !records.contains(where: { RunRecord.sameFolder($0.folder, folder) }),
           let current = try? RunRecord(folder: folder) {
            records.insert(current, at: 0)
        }
        return records
    }

    /// The run named `name` in the list, or at the path `name`.
    static func find(_ name: String, _ controller: Controller, command: String) throws -> RunRecord {
        let records = list(controller)
        if let record = records.first(where: { $0.name == name }) { return record }
        if name.contains("/") { return try RunRecord(folder: URL(fileURLWithPath: (name as NSString).expandingTildeInPath)) }
        throw CommandError.unknown(command, what: "run", word: name, valid: records.isEmpty ? ["(no runs yet)"] : records.map(\.name))
    }
}
