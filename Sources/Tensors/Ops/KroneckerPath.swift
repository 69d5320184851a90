import Dispatch
import Synchronization

/// The exact ways of adding LoKr's update `x (w1 ⊗ w2)ᵀ` to a layer's output. They give the same
/// values and gradients within float32 rounding; which is fastest depends on the shape and the machine.
public enum KroneckerPath: Sendable, CaseIterable {
    /// Factor by factor, forward and backward (`Tensor.addKroneckerLinear`).
    case factored
    /// Through `ΔW = w1 ⊗ w2` and its gradient, ΔW added to the frozen base weight before the
    /// product when the layer allows it.
    case materialised
    /// ΔW's values added to the frozen base weight as constants (so the product and the input's
    /// gradient are the base's own), the factors' gradients computed factor by factor
    /// (`Tensor.kroneckerFactorGradients`), never ΔW's.
    case foldedWithFactoredGradients
}

/// What decides which `KroneckerPath` is fastest for one LoKr layer in one pass: the product's
/// shape (`rows` inputs, `w1 [p, m]`, `w2 [q, n]`), whether ΔW can be added to the base weight (one
/// product for both) or needs products of its own, and which gradients the pass computes.
public struct KroneckerShape: Hashable, Sendable {
    public let rows: Int, p: Int, m: Int, q: Int, n: Int
    /// Whether ΔW can be added to the frozen base weight before the product.
    public let foldsIntoBase: Bool
    /// Whether the pass is recorded for a backward pass (the factors need gradients).
    public let recordsGradients: Bool
    /// Whether the input needs a gradient too (false below the first trained layer).
    public let inputNeedsGradient: Bool

    public init(rows: Int, p: Int, m: Int, q: Int, n: Int, foldsIntoBase: Bool, recordsGradients: Bool, inputNeedsGradient: Bool) {
        (self.rows, self.p, self.m, self.q, self.n) = (rows, p, m, q, n)
        (self.foldsIntoBase, self.recordsGradients) = (foldsIntoBase, recordsGradients)
        self.inputNeedsGradient = inputNeedsGradient && recordsGradients
    }

    /// The paths this pass can take: folding with factored gradients needs a base to fold into and
    /// a backward pass (without one it is the materialised path).
    public var paths: [KroneckerPath] {
        foldsIntoBase && recordsGradients ? KroneckerPath.allCases : [.factored, .materialised]
    }

    /// The multiply-adds `path` adds to the pass beyond the base layer's own products. Factored:
    /// `rows·m·q·(n + p)` forward and about three times that backward. Materialised: building ΔW,
    /// its gradient `rows·p·q·m·n`, and without a base to fold into ΔW's own forward and input-gradient
    /// products. Folded with factored gradients: building ΔW and the factors' gradients, `2·rows·m·q·(n + p)`.
    /// On LLaMA 8×512's 512×512 projections at r = 16 (`w1 [16, 16]`, `w2 [32, 32]`) the factored
    /// path is 2.7 times less work than the materialised one; it also runs far from the GEMM peak.
    public func work(_ path: KroneckerPath) -> Int {
        let factoredForward = rows * m * q * (n + p), full = p * q * m * n
        switch path {
        case .factored:
            return factoredForward * (recordsGradients ? (inputNeedsGradient ? 4 : 3) : 1)
        case .materialised:
            let gradient = recordsGradients ? rows * full : 0
            let ownProducts = foldsIntoBase ? 0 : rows * full * (inputNeedsGradient ? 2 : 1)
            return full + gradient + ownProducts
        case .foldedWithFactoredGradients:
            return full + 2 * factoredForward
        }
    }

    /// The path with the fewest multiply-adds (the first in `paths` on a tie).
    public var leastWork: KroneckerPath { paths.min { work($0) < work($1) }! }
}

/// Picks the fastest `KroneckerPath` for each `KroneckerShape`. A shape big enough to matter is
/// measured the first time it is asked for (every path it can take, on random operands of that
/// shape, `KroneckerPathTiming`), and the winner is kept for the rest of the process, so every step
/// of a run takes the same path. A smaller shape (each path under `measuredWork` multiply-adds, well
/// under a millisecond) takes the fewest multiply-adds without timing, which would measure noise: its
/// choice, and so its rounding, is the same in every process.
public final class KroneckerPathChooser: Sendable {
    /// The chooser LoKr's layers ask.
    public static let shared = KroneckerPathChooser { try KroneckerPathTiming(shape: $0).bestSeconds() }

    /// Shapes where some path does at least this many multiply-adds are measured.
    public static let measuredWork = 1 << 22

    /// One shape's choice, and the seconds each path took when it was measured.
    public struct Decision: Sendable {
        public let path: KroneckerPath
        public let seconds: [KroneckerPath: Double]?
    }

    private let timing: @Sendable (KroneckerShape) throws -> [KroneckerPath: Double]
    private let chosen = Mutex<[KroneckerShape: Decision]>([:])

    /// A chooser that times the paths of a shape with `timing` (seconds per path; the lowest wins).
    public init(timing: @escaping @Sendable (KroneckerShape) throws -> [KroneckerPath: Double]) {
        self.timing = timing
    }

    /// The fastest path for `shape`: measured once, remembered after.
    public func path(for shape: KroneckerShape) throws -> KroneckerPath {
        if let known = chosen.withLock({ $0[shape] }) { return known.path }
        let decision = try decide(shape)
        return chosen.withLock { table in
            if let first = table[shape] { return first.path }
            table[shape] = decision
            return decision.path
        }
    }

    /// Every shape decided so far, with its decision (what `lorakit bench train` reports).
    public var decisions: [KroneckerShape: Decision] { chosen.withLock { $0 } }

    private func decide(_ shape: KroneckerShape) throws -> Decision {
        guard shape.paths.contains(where: { shape.work($0) >= Self.measuredWork }) else { return Decision(path: shape.leastWork, seconds: nil) }
        let seconds = try timing(shape)
        return Decision(path: shape.paths.min { seconds[$0, default: .infinity] < seconds[$1, default: .infinity] }!, seconds: seconds)
    }
}

/// Times the `KroneckerPath`s of a `KroneckerShape` on random operands: the base product and the
/// update, as a LoKr layer runs them, and their backward pass when the shape records one. Nothing
/// is counted in the current `GemmTally` or `OpProfile`.
public struct KroneckerPathTiming {
    let shape: KroneckerShape
    private let x: Tensor, base: Tensor, w1: Tensor, w2: Tensor, seed: Tensor
    private let scale: Float = 2

    public init(shape: KroneckerShape) {
        self.shape = shape
        var generator = RandomGenerator(seed: 0)
        let (inWidth, outWidth) = (shape.m * shape.n, shape.p * shape.q)
        x = Tensor.normal([shape.rows, inWidth], generator: &generator)
        base = Tensor.normal([outWidth, inWidth], std: 0.02, generator: &generator)
        w1 = Tensor.normal([shape.p, shape.m], std: 0.1, generator: &generator)
        w2 = Tensor.normal([shape.q, shape.n], std: 0.1, generator: &generator)
        seed = Tensor.normal([shape.rows, outWidth], generator: &generator)
        x.requiresGrad = shape.inputNeedsGradient
        for factor in [w1, w2] { factor.requiresGrad = shape.recordsGradients }
    }

    /// The best of three wall-clock timings of a pass along each of the shape's paths, the paths
    /// taking turns after an untimed pass each (a neighbour on a shared machine slows any one).
    public func bestSeconds() throws -> [KroneckerPath: Double] {
        try GemmTally.$current.withValue(nil) {
            try OpProfile.$current.withValue(nil) {
                try GradMode.withGradients {
                    for path in shape.paths { try pass(path) }
                    var best: [KroneckerPath: Double] = [:]
                    for _ in 0 ..< 3 {
                        for path in shape.paths {
                            let start = DispatchTime.now().uptimeNanoseconds
                            try pass(path)
                            best[path] = min(best[path, default: .infinity], Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                        }
                    }
                    return best
                }
            }
        }
    }

    private func pass(_ path: KroneckerPath) throws {
        for t in [x, w1, w2] { t.grad = nil }
        var y: Tensor
        switch path {
        case .factored:
            y = try x.linear(weight: base)
            try Tensor.addKroneckerLinear(x, w1, w2, scale: scale, to: &y)
        case .materialised:
            let delta = try Tensor.kron(w1, w2).scaled(by: scale)
            if shape.foldsIntoBase {
                y = try x.linear(weight: base + delta)
            } else {
                y = try x.linear(weight: base)
                try Tensor.addLinear(x, weight: delta, to: &y)
            }
        case .foldedWithFactoredGradients:
            let delta = try GradMode.withoutGradients { try Tensor.kron(w1, w2).scaled(by: scale) }
            y = try Tensor.kroneckerFactorGradients(of: x.linear(weight: base + delta), input: x, w1, w2, scale: scale)
        }
        if y.requiresGrad { try y.backward(seed: seed) }
    }
}
