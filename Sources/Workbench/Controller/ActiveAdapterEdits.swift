import JSON
import Tuners

extension Controller {
    /// What an edit of the targets or the config left out of the active adapter, said after the
    /// command: PEFT fixes an adapter's modules and config when it makes the adapter
    /// (`get_peft_model`, `add_adapter`), so the edit is for the next `adapter new`, as a changed
    /// `LoraConfig` is. Nil when the active adapter already has what the edit set, when there is no
    /// adapter, or when the method was switched (`method` says what happens then).
    func activeAdapterNote(before: Edit) -> String? {
        guard let peft = workspace?.peft, let name = peft.activeAdapter, !peft.isArrowRouter(name), let config = peft.configs[name],
              config.peftType == draft.method.peftType, before.draft.method == draft.method else { return nil }
        var kept: [String] = []
        if before.rules != rules {
            // Not the cached `selection`: the revision moves on only after the command.
            let wrapped = Set(peft.wrappedModuleNames(of: name)), selected = TargetSelection(controller: self).names
            if wrapped != selected { kept.append("its \(wrapped.count) modules (the targets now select \(selected.count))") }
        }
        let held = Dictionary(config.json.members ?? [], uniquingKeysWith: { _, last in last })
        let differing = draft.method.fields.map(\.key).filter { key in
            !["target_modules", "exclude_modules"].contains(key) && before.draft.json(of: key) != draft.json(of: key)
                && (held[key] ?? .null) != draft.json(of: key)
        }
        if !differing.isEmpty { kept.append(differing.map { "\($0) \(held[$0] ?? .null)" }.joined(separator: ", ")) }
        guard !kept.isEmpty else { return nil }
        return "note: adapter \(name) keeps \(kept.joined(separator: " and ")); PEFT fixes an adapter's config when it makes it. "
            + "`adapter new NAME` makes one from this config (`adapter delete \(name)` first to replace it), and `train` trains the active adapter"
    }

    /// What `train` says before it trains an adapter that already exists: the config values set
    /// with `config set` that the adapter does not hold, and a target selection other than its
    /// modules, since the run trains the adapter as it was made. Only values the user set count,
    /// so a config PEFT filled in when making the adapter (its `task_type`) is no difference. Nil
    /// when nothing differs.
    func trainingDraftNote() -> String? {
        guard let peft = workspace?.peft, let name = peft.activeAdapter, !peft.isArrowRouter(name), let config = peft.configs[name],
              config.peftType == draft.method.peftType else { return nil }
        let held = Dictionary(config.json.members ?? [], uniquingKeysWith: { _, last in last })
        var differing = draft.values.keys.sorted().compactMap { key -> String? in
            guard let value = held[key], value != draft.values[key]!, !["target_modules", "exclude_modules"].contains(key) else { return nil }
            return "\(key) \(value) (the draft has \(draft.values[key]!))"
        }
        let wrapped = Set(peft.wrappedModuleNames(of: name)), selected = TargetSelection(controller: self).names
        if !rules.entries.isEmpty, wrapped != selected { differing.append("its \(wrapped.count) modules (the targets select \(selected.count))") }
        guard !differing.isEmpty else { return nil }
        return "note: training adapter \(name) as it was made: \(differing.joined(separator: ", ")); "
            + "`adapter new NAME` makes an adapter from the draft"
    }
}
