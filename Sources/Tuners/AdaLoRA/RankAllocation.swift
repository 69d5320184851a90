/// What the rank allocator decided at one masking step: the budget, and for every adapted module
/// the ranks it kept and the importance score of each of its triplets. A rank history is a list of
/// these; the workbench's heat map and `lorakit ranks` read them from the metrics file.
public struct RankAllocation: Sendable, Equatable, Codable {
    /// Optimizer steps done when it was decided, counted from 1 as the trainer's events count them
    /// (PEFT's 0-based `global_step` plus one).
    public var step: Int
    /// The total rank masked to.
    public var budget: Int
    /// Every adapted module, in module order.
    public var modules: [ModuleRanks]

    public init(step: Int, budget: Int, modules: [ModuleRanks]) {
        self.step = step
        self.budget = budget
        self.modules = modules
    }

    /// One module's allocation.
    public struct ModuleRanks: Sendable, Equatable, Codable {
        /// The module's full name (`model.layers.0.self_attn.q_proj`).
        public var name: String
        /// The ranks it kept.
        public var rank: Int
        /// The score of each of its triplets (E entry, A row, B column), by rank index.
        public var scores: [Double]

        public init(name: String, rank: Int, scores: [Double]) {
            self.name = name
            self.rank = rank
            self.scores = scores
        }
    }

    /// The sum of the modules' ranks.
    public var totalRank: Int { modules.reduce(0) { $0 + $1.rank } }
}
