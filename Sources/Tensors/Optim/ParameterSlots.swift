/// What an optimizer keeps about one parameter between steps.
final class ParameterSlot {
    /// The number of updates applied so far.
    var step = 0
    /// The optimizer's buffers under PyTorch's state names, each shaped like the parameter.
    var buffers: [String: Tensor] = [:]

    /// The buffer called `name`, created as zeros shaped like `parameter` if it does not exist yet.
    func buffer(_ name: String, shapedLike parameter: Tensor) -> Tensor {
        if let existing = buffers[name] { return existing }
        let created = Tensor.zeros(parameter.shape)
        buffers[name] = created
        return created
    }
}

/// One parameter an optimizer step updates, with its gradient, its group's settings and its slot.
struct PendingUpdate {
    let parameter: Tensor
    let gradient: Tensor
    let group: ParameterGroup
    let slot: ParameterSlot
}

/// The parameter groups of an optimizer and a slot per parameter, with what every optimizer does
/// the same way: checking the groups, finding the parameters that have gradients, and converting
/// the slots to and from a checkpoint's `OptimizerState`.
final class ParameterSlots {
    let groups: [ParameterGroup]
    /// One slot per parameter, groups and their parameters in order.
    private let slots: [ParameterSlot]
    /// The optimizer's name, for error messages.
    private let optimizer: String

    /// - Throws: `TensorError.invalidArgument` for a negative or NaN learning rate or weight decay,
    ///   or a parameter that appears twice.
    init(groups: [ParameterGroup], optimizer: String) throws {
        var seen: Set<ObjectIdentifier> = []
        for (index, group) in groups.enumerated() {
            guard group.learningRate >= 0, group.weightDecay >= 0 else {
                throw TensorError.invalidArgument(
                    op: optimizer, reason: "group \(index) has learning rate \(group.learningRate) and weight decay \(group.weightDecay); both must be non-negative numbers")
            }
            for parameter in group.parameters where !seen.insert(ObjectIdentifier(parameter)).inserted {
                throw TensorError.invalidArgument(
                    op: optimizer, reason: "a parameter of shape \(parameter.shape) appears more than once in the parameter groups")
            }
        }
        self.groups = groups
        self.slots = groups.flatMap { $0.parameters.map { _ in ParameterSlot() } }
        self.optimizer = optimizer
    }

    /// The parameters that have a gradient, in order.
    /// - Throws: `TensorError.shapeMismatch` if a gradient's element count differs from its parameter's.
    func pendingUpdates() throws -> [PendingUpdate] {
        var updates: [PendingUpdate] = []
        var slotIndex = 0
        for group in groups {
            for parameter in group.parameters {
                defer { slotIndex += 1 }
                guard let gradient = parameter.grad else { continue }
                guard gradient.count == parameter.count else {
                    throw TensorError.shapeMismatch(op: "\(optimizer).step", shapes: [parameter.shape, gradient.shape],
                                                    reason: "a parameter's gradient must have its element count")
                }
                updates.append(PendingUpdate(parameter: parameter, gradient: gradient, group: group, slot: slots[slotIndex]))
            }
        }
        return updates
    }

    /// The groups' settings and a copy of every slot that has been updated.
    func state() -> OptimizerState {
        OptimizerState(
            learningRates: groups.map(\.learningRate),
            weightDecays: groups.map(\.weightDecay),
            parameters: slots.map { slot in
                slot.step == 0 ? nil : OptimizerState.PerParameter(step: slot.step, buffers: slot.buffers.mapValues(\.scalars))
            })
    }

    /// Replaces the groups' settings and every slot with those in `state`, whose updated parameters
    /// must hold exactly the buffers in `bufferNames`.
    /// - Throws: `TensorError`, changing nothing, if the counts, names or sizes do not fit.
    func load(_ state: OptimizerState, bufferNames: Set<String>) throws {
        let op = "\(optimizer).load"
        guard state.learningRates.count == groups.count, state.weightDecays.count == groups.count else {
            throw TensorError.invalidArgument(
                op: op, reason: "the state has settings for \(state.learningRates.count) groups, this optimizer has \(groups.count)")
        }
        guard (state.learningRates + state.weightDecays).allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(
                op: op, reason: "the state's learning rates and weight decays must be non-negative numbers")
        }
        let parameters = groups.flatMap(\.parameters)
        guard state.parameters.count == parameters.count else {
            throw TensorError.invalidArgument(
                op: op, reason: "the state is for \(state.parameters.count) parameters, this optimizer has \(parameters.count)")
        }
        for (index, (parameter, saved)) in zip(parameters, state.parameters).enumerated() {
            guard let saved else { continue }
            guard saved.step > 0, Set(saved.buffers.keys) == bufferNames else {
                throw TensorError.invalidArgument(
                    op: op, reason: "parameter \(index) has step \(saved.step) and buffers \(saved.buffers.keys.sorted()); expected a positive step and \(bufferNames.sorted())")
            }
            if let mismatch = saved.buffers.first(where: { $0.value.count != parameter.count }) {
                throw TensorError.shapeMismatch(
                    op: op, shapes: [parameter.shape],
                    reason: "buffer \(mismatch.key) of parameter \(index) has \(mismatch.value.count) values, the parameter has \(parameter.count)")
            }
        }
        for (group, (learningRate, weightDecay)) in zip(groups, zip(state.learningRates, state.weightDecays)) {
            group.learningRate = learningRate
            group.weightDecay = weightDecay
        }
        for (slot, (parameter, saved)) in zip(slots, zip(parameters, state.parameters)) {
            slot.step = saved?.step ?? 0
            slot.buffers = saved?.buffers.mapValues { Tensor(shape: parameter.shape, data: $0) } ?? [:]
        }
    }
}
