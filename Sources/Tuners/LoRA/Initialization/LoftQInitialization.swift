import JSON
import Tensors

/// `loftq_config` (PEFT's `LoftQConfig`): the quantisation bits and the number of alternating
/// iterations of `init_lora_weights: "loftq"`.
public struct LoftQConfig: Equatable, Sendable {
    /// `loftq_bits`: 4 (bitsandbytes' NF4), the one width lorakit quantises to.
    public var bits: Int
    /// `loftq_iter`: how many times the residual is quantised.
    public var iterations: Int

    /// Reads `loftq_config` as PEFT's `loftq_init` uses it: both keys are required (PEFT reads
    /// `loftq_config["loftq_bits"]` and `["loftq_iter"]`), `loftq_iter` must be at least 1, and the
    /// bits must be a width PEFT quantises to that lorakit reproduces.
    init(json: JSONValue?) throws {
        guard let json, !json.isNull, let members = json.members, !members.isEmpty else {
            throw TunerError.invalidValue(field: "loftq_config", reason: "`loftq_config` must be specified when `init_lora_weights` is 'loftq'; add \"loftq_config\": {\"loftq_bits\": 4, \"loftq_iter\": 1}")
        }
        let reader = JSONFieldReader(values: Dictionary(members, uniquingKeysWith: { _, last in last }))
        guard let bits = try reader.int("loftq_bits"), let iterations = try reader.int("loftq_iter") else {
            throw TunerError.invalidValue(field: "loftq_config", reason: "needs both loftq_bits and loftq_iter (PEFT reads both); e.g. {\"loftq_bits\": 4, \"loftq_iter\": 1}")
        }
        guard iterations > 0 else {
            throw TunerError.invalidValue(field: "loftq_config.loftq_iter", reason: "Number of iterations must be greater than 0, got \(iterations)")
        }
        switch bits {
        case 4: break
        case 8:
            throw TunerError.invalidValue(field: "loftq_config.loftq_bits", reason: "8-bit LoftQ quantises with bitsandbytes' LLM.int8 (Int8Params) on a CUDA device, which lorakit does not reproduce; use loftq_bits 4 (NF4)")
        default:
            throw TunerError.invalidValue(field: "loftq_config.loftq_bits", reason: "Only nf4 and int8 quantization is supported (PEFT's loftq_init takes loftq_bits 4 or 8), got \(bits); use loftq_bits 4")
        }
        self.bits = bits
        self.iterations = iterations
    }
}

/// PEFT's `loftq_init(W, bits, r, iter)`: starting from `res = W`, each iteration quantises `res`
/// to NF4 (`Q`), takes the SVD of `W − Q` (only its r leading triplets, all that PEFT keeps) and
/// keeps `L = U_r √S_r`, `R = √S_r Vᵀ_r`; between iterations `res = W − L R`. The base weight
/// becomes `Q` (the dequantised NF4 weight), `lora_A = R` and `lora_B = L`, with no division by
/// the scaling (the adapted weight is `Q + scaling · L R`).
/// PEFT decomposes the weight as stored, which only fits `nn.Linear`'s `[out, in]`.
enum LoftQInitialization {
    static func weights(_ input: LinearInitializationInput, config: LoftQConfig) throws -> LinearInitialization {
        guard input.layout == .outIn else {
            throw TunerError.unsupportedModule(name: input.module, reason: "init_lora_weights=\"loftq\" decomposes the stored weight, and a Conv1D stores it as in × out, so PEFT's A and B would not fit; leave this module out of target_modules")
        }
        try LowRankFactors.requireRank(input, method: "loftq")
        let weight = try input.weight()
        return try GradMode.withoutGradients {
            var remaining = weight
            var factors: (quantized: Tensor, a: Tensor, b: Tensor)?
            for iteration in 0 ..< config.iterations {
                let quantized = NF4Tensor(quantizing: remaining).dequantized()
                let svd = try Linalg.leadingSVD(weight - quantized, count: input.r)
                let roots = svd.s.scalars.prefix(input.r).map { $0.squareRoot() }
                let a = LowRankFactors.scalingRows(try svd.vt.slice(0 ..< input.r), by: roots)
                let b = LowRankFactors.scalingColumns(LowRankFactors.leadingColumns(svd.u, input.r), by: roots)
                factors = (quantized, a, b)
                if iteration + 1 < config.iterations { remaining = try weight - b.matmul(a) }
            }
            guard let factors else { throw TunerError.invalidValue(field: "loftq_config.loftq_iter", reason: "must be at least 1") }
            return LinearInitialization(a: factors.a, b: factors.b, residual: factors.quantized)
        }
    }
}
