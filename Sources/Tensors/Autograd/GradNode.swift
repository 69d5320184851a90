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

    init(op: String, inputs: [Tensor], pullback: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.pullback = pullback
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
}
