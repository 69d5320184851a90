import Tensors

/// The shapes of one LoKr adapter, as PEFT's `LoKrLayer.update_layer` decides them for a Linear:
/// `(out_l, out_k) = factorization(out)`, `(in_m, in_n) = factorization(in)`; `w1` is
/// `[out_l, in_m]`, `w2` `[out_k, in_n]`, so `kron(w1, w2)` is `[out, in]`. `w1` is the product
/// `w1_a [out_l, r] · w1_b [r, in_m]` when `decompose_both` and `r < max(out_l, in_m) / 2`; `w2` is
/// `w2_a [out_k, r] · w2_b [r, in_n]` when `r < max(out_k, in_n) / 2`; otherwise each is one matrix.
struct LoKrShape: Equatable {
    let outL: Int, outK: Int, inM: Int, inN: Int
    let r: Int
    /// Whether `w1` / `w2` is a full matrix (PEFT's `use_w1`, `use_w2`).
    let fullW1: Bool, fullW2: Bool

    init(outFeatures: Int, inFeatures: Int, r: Int, decomposeBoth: Bool, decomposeFactor: Int) {
        (inM, inN) = Self.factorization(inFeatures, factor: decomposeFactor)
        (outL, outK) = Self.factorization(outFeatures, factor: decomposeFactor)
        self.r = r
        fullW1 = !(decomposeBoth && Double(r) < Double(max(outL, inM)) / 2)
        fullW2 = !(Double(r) < Double(max(outK, inN)) / 2)
    }

    /// PEFT's (LyCORIS's) `factorization(dimension, factor)`: `(factor, dimension / factor)` when
    /// `factor` divides it; otherwise the divisor pair nearest each other with the smaller one at most
    /// `factor` (-1: no bound), smaller first.
    static func factorization(_ dimension: Int, factor: Int = -1) -> (Int, Int) {
        if factor > 0, dimension % factor == 0 { return (factor, dimension / factor) }
        let bound = factor == -1 ? dimension : factor
        var (m, n) = (1, dimension)
        let length = m + n
        while m < n {
            var next = m + 1
            while dimension % next != 0 { next += 1 }
            let other = dimension / next
            if next + other > length || next > bound { break }
            (m, n) = (next, other)
        }
        return m > n ? (n, m) : (m, n)
    }

    /// The starting factors, by the parameter names PEFT gives them, as `init_weights` asks:
    /// `true` zeroes `w1` (or `w1_a`), `"lycoris"` zeroes `w2` (or `w2_b`), `false` zeroes nothing;
    /// everything else is Kaiming-uniform (a = √5).
    func initialFactors(_ initialization: LoKrConfig.Initialization, generator: inout RandomGenerator) -> [(name: String, value: Tensor)] {
        func kaiming(_ shape: [Int]) -> Tensor { Tensor.kaimingUniform(shape, fanIn: shape[1], generator: &generator) }
        var factors: [(String, Tensor)] = []
        if fullW1 {
            factors.append(("lokr_w1", initialization == .standard ? Tensor.zeros([outL, inM]) : kaiming([outL, inM])))
        } else {
            factors.append(("lokr_w1_a", initialization == .standard ? Tensor.zeros([outL, r]) : kaiming([outL, r])))
            factors.append(("lokr_w1_b", kaiming([r, inM])))
        }
        if fullW2 {
            factors.append(("lokr_w2", initialization == .lycoris ? Tensor.zeros([outK, inN]) : kaiming([outK, inN])))
        } else {
            let a = kaiming([outK, r])
            factors.append(("lokr_w2_a", a))
            factors.append(("lokr_w2_b", initialization == .lycoris ? Tensor.zeros([r, inN]) : kaiming([r, inN])))
        }
        return factors
    }
}
