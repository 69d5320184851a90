extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires one, adding it
    /// to that leaf's `grad`. The tape is walked once, in reverse topological order; each node's
    /// pullback runs once with the sum of the gradients that reached it. Intermediate results drop
    /// their tape nodes as they are processed, so the graph is freed and cannot be walked twice.
    ///
    /// - Parameter seed: the gradient of this tensor; defaults to ones (use it for a scalar loss).
    public func backward(seed: Tensor? = nil) throws {
        guard requiresGrad else {
            throw TensorError.invalidArgument(
                op: "backward", reason: "this tensor does not require a gradient; mark a parameter with requiresGrad first")
        }
        if let seed, seed.shape != shape {
            throw TensorError.shapeMismatch(op: "backward", shapes: [shape, seed.shape],
                                            reason: "the seed gradient must have the output's shape")
        }
        let profile = OpProfile.current
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed ?? Tensor.ones(shape)]
        try GradMode.withoutGradients {
            for tensor in order.reversed() {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                guard let node = tensor.gradNode else {
                    tensor.accumulateGrad(gradient)
                    continue
                }
                tensor.gradNode = nil
                let sum = node.accumulatingPullback == nil ? nil : Self.takeSum(for: node.inputs[0], from: &pending)
                let inputGrads = try OpProfile.backward(profile, node.op) {
                    if let sum, let accumulating = node.accumulatingPullback { return try accumulating(gradient, sum) }
                    return try node.pullback(gradient)
                }
                for (index, (input, inputGrad)) in zip(node.inputs, inputGrads).enumerated() {
                    let key = ObjectIdentifier(input)
                    if index == 0, let sum {
                        pending[key] = inputGrad ?? sum
                        continue
                    }
                    guard let inputGrad, input.requiresGrad else { continue }
                    if var existing = pending.removeValue(forKey: key) {
                        try OpProfile.backward(profile, "gradient sum") { try Tensor.accumulate(inputGrad, into: &existing) }
                        pending[key] = existing
                    } else {
                        pending[key] = inputGrad
                    }
                }
            }
        }
    }

    /// The pending gradient of `input`, taken out of `pending` for an accumulating pullback to add
    /// into, if nothing else holds it and it owns all of its storage; nil (and left pending) otherwise.
    private static func takeSum(for input: Tensor, from pending: inout [ObjectIdentifier: Tensor]) -> Tensor? {
        let key = ObjectIdentifier(input)
        guard input.requiresGrad, var sum = pending.removeValue(forKey: key) else { return nil }
        guard isKnownUniquelyReferenced(&sum), sum.ownsAllStorage, sum.shape == input.shape else {
            pending[key] = sum
            return nil
        }
        return sum
    }

    /// Adds `gradient` to the pending gradient `sum`: in place when `sum` is referenced from nowhere
    /// else and owns all of its storage (so no other tensor sees the change), into a new tensor
    /// otherwise (a pullback may hand the same gradient to several inputs).
    private static func accumulate(_ gradient: Tensor, into sum: inout Tensor) throws {
        if isKnownUniquelyReferenced(&sum), sum.ownsAllStorage, sum.shape == gradient.shape {
            Kernels.add(into: sum, gradient)
        } else {
            sum = try GradMode.withoutGradients { try sum.adding(gradient) }
        }
    }

    /// Tensors reachable from this one through tape nodes, each after all of its inputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(tensor: Tensor, expanded: Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.gradNode?.inputs ?? [] where input.requiresGrad {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }

    /// Adds `gradient` into this leaf's `grad`, in place when one is already there.
    private func accumulateGrad(_ gradient: Tensor) {
        if let grad, grad.count == gradient.count {
            Kernels.add(into: grad, gradient)
        } else {
            // A new tensor object over the same storage: copy-on-write keeps a later in-place
            // accumulation from reaching any other tensor that shares this gradient's values.
            grad = Tensor(shape: shape, storage: gradient.storage, offset: gradient.offset)
        }
    }
}
