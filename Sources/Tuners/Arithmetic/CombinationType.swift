import Tensors

/// How `addWeightedAdapter` combines adapters (PEFT's `combination_type`).
public enum CombinationType: String, Sendable, CaseIterable {
    case svd, linear, cat, ties
    case tiesSvd = "ties_svd"
    case dareLinear = "dare_linear"
    case dareTies = "dare_ties"
    case dareLinearSvd = "dare_linear_svd"
    case dareTiesSvd = "dare_ties_svd"
    case magnitudePrune = "magnitude_prune"
    case magnitudePruneSvd = "magnitude_prune_svd"

    /// Parses PEFT's name, or says which names there are.
    public init(named name: String) throws {
        guard let type = CombinationType(rawValue: name) else {
            throw TunerError.invalidValue(field: "combination_type", reason: "Invalid combination_type: \(name); use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = type
    }

    /// The types that re-compress the combined delta with an SVD.
    public var usesSVD: Bool { rawValue.hasSuffix("svd") }

    /// The types that combine the A and B factors directly, so every adapter needs one rank.
    var needsEqualRanks: Bool { [.linear, .ties, .dareTies, .dareLinear, .magnitudePrune].contains(self) }

    /// The types that prune, and so need a `density`.
    public var usesDensity: Bool { ![.svd, .linear, .cat].contains(self) }

    /// The types that elect signs with `majority_sign_method`.
    public var usesMajoritySign: Bool { [.ties, .tiesSvd, .dareTies, .dareTiesSvd].contains(self) }

    /// Merges `tensors` with `weights` by this type's rule (`cat` has none: it concatenates).
    func merge(_ tensors: [Tensor], weights: [Float], options: WeightedAdapterOptions,
               generator: inout RandomGenerator) throws -> Tensor {
        let density = options.density ?? 0
        switch self {
        case .svd, .linear: return try TaskMerging.taskArithmetic(tensors, weights: weights)
        case .ties, .tiesSvd: return try TaskMerging.ties(tensors, weights: weights, density: density, majoritySignMethod: options.majoritySignMethod)
        case .dareLinear, .dareLinearSvd: return try TaskMerging.dareLinear(tensors, weights: weights, density: density, generator: &generator)
        case .dareTies, .dareTiesSvd:
            return try TaskMerging.dareTies(tensors, weights: weights, density: density, majoritySignMethod: options.majoritySignMethod, generator: &generator)
        case .magnitudePrune, .magnitudePruneSvd: return try TaskMerging.magnitudePrune(tensors, weights: weights, density: density)
        case .cat: throw TunerError.invalidState("cat concatenates adapters; it has no merge rule")
        }
    }
}
