/// PEFT's `ArrowConfig`: how the Arrow router picks LoRA experts per token.
public struct ArrowConfig: Sendable, Equatable {
    /// How many experts each token is routed to.
    public var topK: Int
    /// The softmax temperature over the chosen experts' similarities.
    public var routerTemperature: Double
    /// GenKnowSub: subtract the mean of the general adapters from every task expert first.
    public var useGks: Bool
    /// The seed of PEFT's power-iteration start vector. lorakit computes each prototype as the exact
    /// top right singular vector, which the power iteration converges to, so it is kept for the
    /// config only.
    public var rngSeed: Int?

    public init(topK: Int = 3, routerTemperature: Double = 1, useGks: Bool = false, rngSeed: Int? = nil) {
        self.topK = topK
        self.routerTemperature = routerTemperature
        self.useGks = useGks
        self.rngSeed = rngSeed
    }

    /// PEFT's `__post_init__` checks.
    public func validate() throws {
        guard topK >= 0 else { throw TunerError.invalidValue(field: "top_k", reason: "top_k cannot be negative.") }
        guard routerTemperature > 0 else { throw TunerError.invalidValue(field: "router_temperature", reason: "router_temperature must be greater than 0.") }
    }
}
