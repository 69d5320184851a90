import Tuners

/// What a command needs before it runs, checked in one place (`Controller.requireWorkspace(_:needs:)`)
/// with messages that name the command and say what to do.
struct CommandNeeds: OptionSet {
    let rawValue: Int
    /// No training run or generation is going (the command changes or uses the model).
    static let idle = CommandNeeds(rawValue: 1 << 0)
    /// The model has weights (it was not loaded with `--meta`).
    static let weights = CommandNeeds(rawValue: 1 << 1)
}

extension Controller {
    /// The loaded model, once the checks `needs` names pass; errors name `command` (and tell how to
    /// load a model when none is).
    func requireWorkspace(_ command: String, needs: CommandNeeds = []) throws -> ModelWorkspace {
        guard let workspace else { throw CommandError(command, "no model loaded; load one with `load builtin:tiny-llama` or `load DIR`") }
        if needs.contains(.idle) { try requireIdle(command) }
        if needs.contains(.weights) { try workspace.requireWeights(command) }
        return workspace
    }

    /// The loaded model and its adapters (with one named `name` among them, when given), once the
    /// checks `needs` names pass; errors name `command`.
    func requireAdapters(_ command: String, needs: CommandNeeds = [], holding name: String? = nil) throws -> (workspace: ModelWorkspace, peft: PeftModel) {
        let workspace = try requireWorkspace(command, needs: needs)
        return (workspace, try workspace.requirePeft(command, holding: name))
    }
}
