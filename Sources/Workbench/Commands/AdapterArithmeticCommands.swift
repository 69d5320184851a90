import Foundation
import Tuners

/// `adapter combine` and `adapter reduce-intruders`: PEFT's `add_weighted_adapter` and
/// `reduce_intruder_dimension` on the loaded adapters. The new adapter becomes the active one and
/// trains further like any other; the log shows what each module got.
enum AdapterArithmeticCommands {
    static let combineUsage = "adapter combine NEW A:WEIGHT B:WEIGHT ... [--type TYPE] [--density D] [--svd-rank N] [--svd-clamp Q] [--majority-sign total|frequency] [--seed S]"
    static let reduceUsage = "adapter reduce-intruders NEW [--from NAME] [--top-k K] [--epsilon E] [--lambda L]"

    /// `adapter combine NEW A:W B:W ...`.
    static func combine(_ invocation: inout Invocation, workspace: ModelWorkspace, controller: Controller) throws {
        var options = WeightedAdapterOptions()
        if let type = try invocation.option("--type") { options.combinationType = try CombinationType(named: type) }
        options.density = try number(&invocation, "--density") { Double($0) }
        options.svdRank = try number(&invocation, "--svd-rank") { Int($0) }
        options.svdClamp = try number(&invocation, "--svd-clamp") { Double($0) }
        options.seed = try number(&invocation, "--seed") { UInt64($0) } ?? 0
        if let method = try invocation.option("--majority-sign") {
            guard let parsed = MajoritySignMethod(rawValue: method) else {
                throw CommandError.unknown(invocation.command, what: "majority sign method", word: method, valid: MajoritySignMethod.allCases.map(\.rawValue))
            }
            options.majoritySignMethod = parsed
        }
        try invocation.noUnknownOptions(["--type", "--density", "--svd-rank", "--svd-clamp", "--majority-sign", "--seed"])
        let words = try invocation.arguments(2, names: "NEW and at least one ADAPTER:WEIGHT")
        let peft = try AdapterCommands.requirePeft(workspace, invocation.command)
        var sources: [String] = [], weights: [Double] = []
        for word in words.dropFirst() {
            guard let colon = word.lastIndex(of: ":"), let weight = Double(word[word.index(after: colon)...]), weight.isFinite else {
                throw invocation.error("\"\(word)\" is not ADAPTER:WEIGHT, e.g. fortunes:0.7 (usage: \(combineUsage))")
            }
            let name = String(word[..<colon])
            guard peft.adapterNames.contains(name) else { throw CommandError.unknown(invocation.command, what: "adapter", word: name, valid: peft.adapterNames) }
            sources.append(name)
            weights.append(weight)
        }
        let report = try peft.addWeightedAdapter(sources, weights: weights, adapterName: words[0], options: options)
        try peft.setAdapter(report.adapterName)
        controller.unsavedAdapters.insert(report.adapterName)
        let recipe = zip(sources, weights).map { "\($0):\(String(format: "%g", $1))" }.joined(separator: " ")
        controller.adapterRecipes[report.adapterName] = "\(report.combinationType.rawValue) of \(recipe)"
        let worst = report.modules.map(\.relativeError).max() ?? 0
        var lines = ["adapter \(report.adapterName) (active) = \(report.combinationType.rawValue) of \(recipe): r=\(report.rank) on \(report.modules.count) modules, worst relative error \(String(format: "%.3e", worst))"]
        lines += report.modules.map { "  \($0.name)  rank \($0.rank)  relative error \(String(format: "%.3e", $0.relativeError))" }
        lines.append(peft.trainableParametersSummary)
        controller.say(lines.joined(separator: "\n"))
    }

    /// `adapter reduce-intruders NEW [--from NAME] ...`.
    static func reduceIntruders(_ invocation: inout Invocation, workspace: ModelWorkspace, controller: Controller) throws {
        let from = try invocation.option("--from")
        let topK = try number(&invocation, "--top-k") { Int($0) } ?? 10
        let epsilon = try number(&invocation, "--epsilon") { Float($0) } ?? 0.5
        let lambda = try number(&invocation, "--lambda") { Float($0) } ?? 0.75
        try invocation.noUnknownOptions(["--from", "--top-k", "--epsilon", "--lambda"])
        let name = try invocation.arguments(1, 1, names: "NEW")[0]
        let peft = try AdapterCommands.requirePeft(workspace, invocation.command, holding: from)
        guard let old = from ?? peft.activeAdapter else { throw invocation.error("no adapter is active; say which with --from NAME") }
        let report = try peft.reduceIntruderDimension(oldAdapter: old, newAdapter: name, topK: topK, thresholdEpsilon: epsilon, mitigationLambda: lambda)
        controller.unsavedAdapters.insert(name)
        controller.adapterRecipes[name] = "\(old) with intruders reduced (top-k \(topK), epsilon \(epsilon), lambda \(lambda))"
        controller.say((report.log + [peft.trainableParametersSummary]).joined(separator: "\n"))
    }

    /// Removes `--name VALUE` and parses VALUE with `parse`, or says what was expected.
    private static func number<T>(_ invocation: inout Invocation, _ name: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = try invocation.option(name) else { return nil }
        guard let value = parse(text) else { throw invocation.error("\(name) needs a number, not \"\(text)\"") }
        return value
    }
}
