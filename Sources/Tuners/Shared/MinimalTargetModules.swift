/// PEFT's condensing of long `target_modules` lists (`inject_adapter` with
/// `_find_minimal_target_modules`): a list of at least `threshold` names, such as the full module
/// names "all-linear" expands to, is replaced by the fewest name suffixes that select the same
/// modules and no other, and the adapter is saved with those.
enum MinimalTargetModules {
    /// PEFT's `MIN_TARGET_MODULES_FOR_OPTIMIZATION`.
    static let threshold = 20

    /// `targets` condensed against every module name of the model, or `targets` unchanged when the
    /// list is shorter than `threshold` or no shorter list does.
    static func condense(_ targets: [String], moduleNames: [String]) throws -> [String] {
        guard targets.count >= threshold else { return targets }
        let suffixes = targets.map { "." + $0 }
        let targetSet = Set(targets)
        let others = moduleNames.filter { name in !targetSet.contains(name) && !suffixes.contains(where: name.hasSuffix) }
        let condensed = try find(targets, others: others)
        return condensed.count < targets.count ? condensed : targets
    }

    /// PEFT's `_find_minimal_target_modules`: for each target, in the order of its suffix lists
    /// (shortest suffix first), the shortest suffix that no other module name ends with, unless a
    /// suffix already chosen covers it. The suffixes come in the order they were chosen.
    static func find(_ targets: [String], others: [String]) throws -> [String] {
        let unique = Set(targets)
        guard !unique.contains("") else {
            throw TunerError.invalidValue(field: "target_modules", reason: "target_modules should not contain an empty string.")
        }
        let otherSuffixes = Set(others.flatMap(suffixes(of:)))
        var required: [String] = [], chosen = Set<String>()
        let ordered = unique.map { ($0, suffixes(of: $0)) }.sorted { $0.1.lexicographicallyPrecedes($1.1) }
        for (item, candidates) in ordered {
            for suffix in candidates where !chosen.contains(suffix) && !otherSuffixes.contains(suffix) {
                if !required.contains(where: { item.hasSuffix("." + $0) }) {
                    required.append(suffix)
                    chosen.insert(suffix)
                    break
                }
            }
        }
        return required.isEmpty ? Array(unique).sorted() : required
    }

    /// "a.b.c" → ["c", "b.c", "a.b.c"].
    private static func suffixes(of name: String) -> [String] {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return (0 ..< parts.count).reversed().map { parts[$0...].joined(separator: ".") }
    }
}
