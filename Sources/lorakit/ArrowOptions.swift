import ArgumentParser
import Foundation
import Models
import Tuners

/// The Arrow routing options `forward` and `generate` share: experts, general adapters for
/// GenKnowSub, top-k and temperature, and the routed model they make (PEFT's `create_arrow_model`).
struct ArrowOptions: ParsableArguments {
    @Option(name: .customLong("arrow"), help: "A LoRA expert folder for Arrow routing (PEFT's create_arrow_model); repeat for each expert.")
    var experts: [String] = []

    @Option(name: .customLong("arrow-general"), help: "A general-knowledge adapter folder subtracted from the Arrow experts (GenKnowSub); repeat for each.")
    var general: [String] = []

    @Option(name: .customLong("arrow-top-k"), help: "How many experts Arrow routes each token to.")
    var topK = ArrowConfig().topK

    @Option(name: .customLong("arrow-temperature"), help: "The temperature of Arrow's softmax over the chosen experts.")
    var temperature = ArrowConfig().routerTemperature

    /// The model routed over the experts, or nil when no `--arrow` was given; refuses `--adapter`
    /// beside them (`adapters` are those given).
    func routedModel(_ model: any PretrainedModel, adapters: [String]) throws -> PeftModel? {
        guard !experts.isEmpty else {
            guard general.isEmpty else { throw ValidationError("--arrow-general needs the experts as --arrow DIR") }
            return nil
        }
        guard adapters.isEmpty else { throw ValidationError("--arrow routes over its experts; give either --arrow or --adapter, not both") }
        return try PeftModel.createArrowModel(model, taskAdapters: experts.map { try AdapterFolder.resolve(AdapterReference($0).directory) },
                                              generalAdapters: general.map { try AdapterFolder.resolve(AdapterReference($0).directory) },
                                              config: ArrowConfig(topK: topK, routerTemperature: temperature, useGks: !general.isEmpty))
    }
}
