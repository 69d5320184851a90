import JSON
import Tuners

extension Controller {
    /// The active adapter as it was made, when it is of the draft's method (not an Arrow router):
    /// its name, its config's values by key, and the modules it wraps.
    private struct HeldAdapter {
        let name: String
        let values: [String: JSONValue]
        let modules: Set<String>
    }

    private var heldAdapter: HeldAdapter? {
        guard let peft = workspace?.peft, let name = peft.activeAdapter, !peft.isArrowRouter(name), let config = peft.configs[name],
              config.peftType == draft.method.peftType else { return nil }
        return HeldAdapter(name: name, values: Dictionary(config.json.members ?? [], uniquingKeysWith: { _, last in last }),
                           modules: Set(peft.wrappedModuleNames(of: name)))
    }

    /// The config keys a draft edit compares, all but the target keys (the selection stands for them).
    private static func isComparedConfigKey(_ key: String) -> Bool {
        !["target_modules", "exclude_modules"].contains(key)
    }

    /// What an edit of the targets or the config left out of the active adapter, said after the
    /// command: PEFT fixes an adapter's modules and config when it makes the adapter
    /// (`get_peft_model`, `add_adapter`), so the edit is for the next `adapter new`, as a changed
    /// `LoraConfig` is. Nil when the active adapter already has what the edit set, when there is no
    /// adapter, or when the method was switched (`method` says what happens then).
    func activeAdapterNote(before: Edit) -> String? {
        guard before.draft.method == draft.method, let held = heldAdapter else { return nil }
        var kept: [String] = []
        if before.rules != rules {
            // Not the cached `selection`: the revision moves on only after the command.
            let selected = TargetSelection(controller: self).names
            if held.modules != selected { kept.append("its \(held.modules.count) modules (the targets now select \(selected.count))") }
        }
        let differing = draft.method.fields.map(\.key).filter { key in
            Self.isComparedConfigKey(key) && before.draft.json(of: key) != draft.json(of: key)
                && (held.values[key] ?? .null) != draft.json(of: key)
        }
        if !differing.isEmpty { kept.append(differing.map { "\($0) \(held.values[$0] ?? .null)" }.joined(separator: ", ")) }
        guard !kept.isEmpty else { return nil }
        return "note: adapter \(held.name) keeps \(kept.joined(separator: " and ")); PEFT fixes an adapter's config when it makes it. "
            + "`adapter new NAME` makes one from this config (`adapter delete \(held.name)` first to replace it), and `train` trains the active adapter"
    }

    /// What `train` says before it trains an adapter that already exists: the config values set
    /// with `config set` that the adapter does not hold, and a target selection other than its
    /// modules, since the run trains the adapter as it was made. Only values the user set count,
    /// so a config PEFT filled in when making the adapter (its `task_type`) is no difference. Nil
    /// when nothing differs.
    func trainingDraftNote() -> String? {
        guard let held = heldAdapter else { return nil }
        var differing = draft.values.sorted { $0.key < $1.key }.compactMap { key, value -> String? in
            guard Self.isComparedConfigKey(key), let heldValue = held.values[key], heldValue != value else { return nil }
            return "\(key) \(heldValue) (the draft has \(value))"
        }
        let selected = TargetSelection(controller: self).names
        if !rules.entries.isEmpty, held.modules != selected { differing.append("its \(held.modules.count) modules (the targets select \(selected.count))") }
        guard !differing.isEmpty else { return nil }
        return "note: training adapter \(held.name) as it was made: \(differing.joined(separator: ", ")); "
            + "`adapter new NAME` makes an adapter from the draft"
    }
}
