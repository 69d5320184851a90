import Foundation
import Tuners

/// `adapter combine`, `adapter reduce-intruders` and `adapter arrow`: PEFT's `add_weighted_adapter`,
/// `reduce_intruder_dimension` and Arrow routing on the loaded adapters. The new adapter becomes the
/// active one (a combined or reduced one trains further like any other); the log shows what each
/// module got.
enum AdapterArithmeticCommands {
    static let combineUsage = "adapter combine NEW A:WEIGHT B:WEIGHT ... [--type TYPE] [--density D] [--svd-rank N] [--svd-clamp Q] [--majority-sign total|frequency] [--seed S]"
    static let reduceUsage = "adapter reduce-intruders NEW [--from NAME] [--top-k K] [--epsilon E] [--lambda L]"
    static let arrowUsage = "adapter arrow NAME EXPERT... [--general ADAPTER[,ADAPTER...]] [--top-k K] [--temperature T]"

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
        let peft = try workspace.requirePeft(invocation.command)
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
        controller.adapterRecipes[report.adapterName] = AdapterRecipe(summary: "\(report.combinationType.rawValue) of \(recipe)",
                                                                     sources: zip(sources, weights).map { ($0, $1) })
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
        let peft = try workspace.requirePeft(invocation.command, holding: from)
        guard let old = from ?? peft.activeAdapter else { throw invocation.error("no adapter is active; say which with --from NAME") }
        let report = try peft.reduceIntruderDimension(oldAdapter: old, newAdapter: name, topK: topK, thresholdEpsilon: epsilon, mitigationLambda: lambda)
        controller.unsavedAdapters.insert(name)
        controller.adapterRecipes[name] = AdapterRecipe(summary: "\(old) with intruders reduced (top-k \(topK), epsilon \(epsilon), lambda \(lambda))",
                                                        sources: [(old, 1)])
        controller.say((report.log + [peft.trainableParametersSummary]).joined(separator: "\n"))
    }

    /// `adapter arrow NAME EXPERT... [--general G,...]`: PEFT's Arrow router over loaded LoRA adapters.
    static func arrow(_ invocation: inout Invocation, workspace: ModelWorkspace, controller: Controller) throws {
        var general: [String] = []
        while let names = try invocation.option("--general") { general += names.split(separator: ",").map(String.init) }
        let topK = try number(&invocation, "--top-k") { Int($0) }
        let temperature = try number(&invocation, "--temperature") { Double($0) } ?? ArrowConfig().routerTemperature
        try invocation.noUnknownOptions(["--general", "--top-k", "--temperature"])
        let words = try invocation.arguments(2, names: "NAME and at least one EXPERT adapter")
        let peft = try workspace.requirePeft(invocation.command)
        let experts = Array(words.dropFirst())
        for adapter in experts + general where !peft.adapterNames.contains(adapter) {
            throw CommandError.unknown(invocation.command, what: "adapter", word: adapter, valid: peft.adapterNames)
        }
        let config = ArrowConfig(topK: topK ?? min(ArrowConfig().topK, experts.count), routerTemperature: temperature, useGks: !general.isEmpty)
        try peft.addArrowRouter(words[0], experts: experts, general: general, config: config)
        try peft.setAdapter(words[0])
        if !general.isEmpty { controller.unsavedAdapters.formUnion(experts) }
        let settings = "top-k \(config.topK), temperature \(String(format: "%g", temperature))"
            + (general.isEmpty ? "" : ", GenKnowSub minus the mean of \(general.joined(separator: ", "))")
        controller.adapterRecipes[words[0]] = AdapterRecipe(summary: "arrow over \(experts.joined(separator: " ")) (\(settings))", sources: [])
        let modules = peft.adapterLayers.filter { ($0.layer as? LoraLinear)?.arrowRouters[words[0]] != nil }.count
        controller.say("adapter \(words[0]) (active) routes each token to \(config.topK) of \(experts.joined(separator: ", ")) on \(modules) modules (\(settings))"
            + (general.isEmpty ? "" : "\nthe experts changed in place (not saved yet): GenKnowSub, as PEFT's create_arrow_model"))
    }

    /// Removes `--name VALUE` and parses VALUE with `parse`, or says what was expected.
    private static func number<T>(_ invocation: inout Invocation, _ name: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = try invocation.option(name) else { return nil }
        guard let value = parse(text) else { throw invocation.error("\(name) needs a number, not \"\(text)\"") }
        return value
    }
}
