/// One entry of the autograd tape: the inputs of an operation and how to turn the gradient of its
/// output into gradients of those inputs. An input that does not require a gradient gets nil, and the
/// operation spends no work on it.
final class GradNode {
    /// The operation's name, for error messages.
    let op: String
    /// The inputs, in the order `pullback` returns their gradients.
    let inputs: [Tensor]
    /// Maps the output's gradient to one gradient (or nil) per input.
    let pullback: (Tensor) throws -> [Tensor?]
    /// For an operation that can add an input's gradient into a buffer already holding that input's
    /// other gradients (a GEMM with `beta = 1`), used instead of `pullback`: its second argument
    /// holds, per input, the pending gradient it may add into in place (nil where there is none or
    /// it is shared), and for an input given one it returns that sum.
    let accumulatingPullback: ((Tensor, [Tensor?]) throws -> [Tensor?])?

    init(op: String, inputs: [Tensor], pullback: @escaping (Tensor) throws -> [Tensor?],
         accumulatingPullback: ((Tensor, [Tensor?]) throws -> [Tensor?])? = nil) {
        self.op = op
        self.inputs = inputs
        self.pullback = pullback
        self.accumulatingPullback = accumulatingPullback
    }
}

extension Tensor {
    /// Attaches a tape node to `output` if recording is on and any input requires a gradient.
    /// Operations call this after computing their forward result; `pullback` only runs in `backward()`.
    @discardableResult
    static func record(_ output: Tensor, op: String, inputs: [Tensor],
                       pullback: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        OpProfile.current?.mark(op)
        output.requiresGrad = true
        output.gradNode = GradNode(op: op, inputs: inputs, pullback: pullback)
        return output
    }

    /// `record` for an operation whose pullback can add an input's gradient into that input's
    /// pending gradient in place (see `GradNode.accumulatingPullback`): `pullback(g, sums)` gets,
    /// per input, a pending gradient to add into or nil, and returns for each input given one that
    /// sum; with all nils it is an ordinary pullback.
    @discardableResult
    static func record(_ output: Tensor, op: String, inputs: [Tensor],
                       accumulatingPullback pullback: @escaping (Tensor, [Tensor?]) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        OpProfile.current?.mark(op)
        output.requiresGrad = true
        let none = [Tensor?](repeating: nil, count: inputs.count)
        output.gradNode = GradNode(op: op, inputs: inputs, pullback: { try pullback($0, none) }, accumulatingPullback: pullback)
        return output
    }
}
