import Tensors

/// PEFT's `olora_init`: `Q, R = qr(W)` (reduced), `B = Q[:, :r]`, `A = R[:r]`, and the base weight
/// becomes `W − scaling · B A`. PEFT factors the weight as stored, which only fits `nn.Linear`'s
/// `[out, in]`; a Conv1D is refused.
enum OloraInitialization {
    static func weights(_ input: LinearInitializationInput) throws -> LinearInitialization {
        guard input.layout == .outIn else {
            throw TunerError.unsupportedModule(name: input.module, reason: "init_lora_weights=\"olora\" factors the stored weight, and a Conv1D stores it as in × out, so PEFT's A and B would not fit; use \"pissa\" or leave this module out of target_modules")
        }
        try LowRankFactors.requireRank(input, method: "olora")
        let weight = try input.weight()
        let qr = try Linalg.qr(weight)
        let a = try qr.r.slice(0 ..< input.r).copy()
        let b = LowRankFactors.leadingColumns(qr.q, input.r)
        return LinearInitialization(a: a, b: b, residual: try LowRankFactors.residual(weight, a: a, b: b, scaling: input.scaling))
    }
}
