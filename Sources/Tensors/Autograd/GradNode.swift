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
    /// For an operation that can add its first input's gradient into a buffer already holding that
    /// input's other gradients (a GEMM with `beta = 1`), used instead of `pullback` when such a
    /// pending gradient exists and nothing else holds it: it adds into the buffer it is given and
    /// returns it as the first input's gradient.
    let accumulatingPullback: ((Tensor, Tensor) throws -> [Tensor?])?

    init(op: String, inputs: [Tensor], pullback: @escaping (Tensor) throws -> [Tensor?],
         accumulatingPullback: ((Tensor, Tensor) throws -> [Tensor?])? = nil) {
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
        attach(to: output, op: op, inputs: inputs) { GradNode(op: op, inputs: inputs, pullback: pullback) }
    }

    /// `record` for an operation whose pullback can add its first input's gradient into that
    /// input's pending gradient in place (see `GradNode.accumulatingPullback`): `pullback(g, sum)`
    /// gets that pending gradient, or nil when there is none it may change, and with one returns it,
    /// with the first input's gradient added, in the first input's place.
    @discardableResult
    static func record(_ output: Tensor, op: String, inputs: [Tensor],
                       accumulatingPullback pullback: @escaping (Tensor, Tensor?) throws -> [Tensor?]) -> Tensor {
        attach(to: output, op: op, inputs: inputs) {
            GradNode(op: op, inputs: inputs, pullback: { try pullback($0, nil) }, accumulatingPullback: pullback)
        }
    }

    /// Gives `output` the node `makeNode` builds, if recording is on and any input requires a gradient.
    /// A profile charges the operation's time to its row either way, so a product on frozen inputs
    /// (which records nothing) is not charged to the next operation.
    private static func attach(to output: Tensor, op: String, inputs: [Tensor], _ makeNode: () -> GradNode) -> Tensor {
        OpProfile.current?.mark(op)
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.gradNode = makeNode()
        return output
    }
}
