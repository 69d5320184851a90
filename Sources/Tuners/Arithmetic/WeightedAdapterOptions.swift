import Tensors

/// The settings of `addWeightedAdapter` besides the adapters and weights, under PEFT's names.
/// (`svd_full_matrices` and `svd_driver` change nothing on the CPU: the truncated factors are the
/// same either way.)
public struct WeightedAdapterOptions: Sendable {
    public var combinationType: CombinationType
    /// The rank of an SVD type's result (nil or 0: the largest rank of the inputs).
    public var svdRank: Int?
    /// A quantile in [0, 1]: the SVD factors are clamped to ± that quantile of their values.
    public var svdClamp: Double?
    /// The fraction of entries pruning keeps (TIES, DARE, magnitude pruning).
    public var density: Double?
    public var majoritySignMethod: MajoritySignMethod
    /// Seeds DARE's random masks.
    public var seed: UInt64

    public init(combinationType: CombinationType = .svd, svdRank: Int? = nil, svdClamp: Double? = nil, density: Double? = nil,
                majoritySignMethod: MajoritySignMethod = .total, seed: UInt64 = 0) {
        self.combinationType = combinationType
        self.svdRank = svdRank
        self.svdClamp = svdClamp
        self.density = density
        self.majoritySignMethod = majoritySignMethod
        self.seed = seed
    }
}
