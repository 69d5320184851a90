import Models
import Training

/// `data load SOURCE`, `data show [N]`: the text the adapter trains on.
enum DataCommands {
    static let all: [CommandSpec] = [data]

    /// The dataset `train` uses when none was loaded.
    static let defaultSource = "builtin:fortunes"

    static let data: CommandSpec = CommandSpec(
        "data", usage: "data load SOURCE | data show [N]",
        summary: "choose training data (.txt, .jsonl, .csv, .safetensors or builtin:NAME) and look at it",
        subcommands: ["load", "show"], arguments: ["load": .path]
    ) { controller, invocation in
        var invocation = invocation
        let sub = try invocation.subcommand(["load", "show"])
        if sub == "load" {
            try controller.requireIdle(invocation.command)
            let source = try invocation.arguments(1, 1, names: "SOURCE (a file or builtin:NAME; built-in: \(BuiltinAssets.datasetNames.joined(separator: ", ")))")[0]
            let records = try DataRecords(source)
            controller.dataSource = source
            controller.say("data \(source): \(records.count) \(kind(records))")
            return
        }
        let countText = try invocation.arguments(0, 1, names: "N").first
        guard let count = countText.map({ Int($0) }) ?? 5, count > 0 else { throw invocation.error("N must be a whole number > 0, got \(countText!)") }
        let source = controller.dataSource ?? defaultSource
        let records = try DataRecords(source)
        let shown: [String]
        switch records {
        case let .texts(texts): shown = texts.prefix(count).map { String($0.prefix(300)) }
        case let .promptCompletions(pairs): shown = pairs.prefix(count).map { "prompt: \($0.prompt)\ncompletion: \($0.completion)" }
        case let .classified(items): shown = items.prefix(count).map { "[\($0.label)] \($0.text)" }
        case let .conversations(conversations): shown = conversations.prefix(count).map(\.summary)
        case let .tokenized(ids, _, _): shown = ids.prefix(count).map { "\($0.count) tokens: \($0.prefix(16).map(String.init).joined(separator: " "))…" }
        }
        controller.say("\(source): \(records.count) \(kind(records))\n" + shown.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n"))
    }

    static func kind(_ records: DataRecords) -> String {
        switch records {
        case .texts: return "text records"
        case .promptCompletions: return "prompt/completion pairs"
        case .classified: return "labelled texts"
        case .conversations: return "conversations"
        case .tokenized: return "tokenised examples"
        }
    }
}
