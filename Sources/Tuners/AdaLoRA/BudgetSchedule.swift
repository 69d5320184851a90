import Foundation

/// PEFT's `RankAllocator.budget_schedule`: the total rank budget after each optimizer step
/// (`step` counted from 0, as PEFT's `global_step`), and whether to mask to it.
public struct BudgetSchedule: Equatable, Sendable {
    /// Σ `init_r` over the adapted modules.
    public let initialBudget: Int
    /// `target_r` × the number of adapted modules.
    public let targetBudget: Int
    public let tinit: Int, tfinal: Int, totalStep: Int, deltaT: Int

    /// The phase a step belongs to.
    public enum Phase: String, Sendable {
        /// `step <= tinit`: importance is gathered, nothing is pruned.
        case warmup
        /// Pruning towards the target on the cubic curve.
        case budgeting
        /// `step == total_step - tfinal`: the last masking, to the target budget.
        case finalAllocation = "final_allocation"
        /// After it: the final allocation is re-applied and trained.
        case finalFinetune = "final_finetune"
    }

    /// `(budget, mask)`: up to `tinit` the initial budget and no masking; after
    /// `total_step - tfinal` the target with masking; between, the cubic
    /// `int((initial - target) · (1 - (step - tinit) / (total_step - tfinal - tinit))³ + target)`,
    /// masking every `deltaT` steps.
    public func budget(atStep step: Int) -> (budget: Int, mask: Bool) {
        if step <= tinit { return (initialBudget, false) }
        if step > totalStep - tfinal { return (targetBudget, true) }
        let multiplier = 1 - Double(step - tinit) / Double(totalStep - tfinal - tinit)
        let budget = Int(Double(initialBudget - targetBudget) * pow(multiplier, 3) + Double(targetBudget))
        return (budget, step % deltaT == 0)
    }

    /// The phase of `step`, as `update_and_allocate` treats it.
    public func phase(atStep step: Int) -> Phase {
        if step > totalStep - tfinal { return .finalFinetune }
        if step == totalStep - tfinal { return .finalAllocation }
        return step <= tinit ? .warmup : .budgeting
    }
}
