/// PEFT's target selection (`check_target_module_exists`) for one config: decides, for a module's
/// full name, whether it is excluded, targeted or left alone. Regular expressions are compiled once.
struct TargetMatcher {
    /// The outcome for one module name.
    enum Outcome: Equatable { case targeted, excluded, unmatched }

    private let config: any TargetingConfig
    private let targetRegex: PythonRegex?
    private let excludeRegex: PythonRegex?
    private let modulesToSaveRegexes: [PythonRegex]
    private let layerIndexRegexes: [PythonRegex]

    init(_ config: any TargetingConfig) throws {
        self.config = config
        if case let .pattern(pattern) = config.targetModules { targetRegex = try PythonRegex(pattern, field: "target_modules") } else { targetRegex = nil }
        if case let .pattern(pattern) = config.excludeModules { excludeRegex = try PythonRegex(pattern, field: "exclude_modules") } else { excludeRegex = nil }
        modulesToSaveRegexes = try (config.modulesToSave ?? []).map { try PythonRegex("(^|.*\\.)\($0)($|\\..*)", field: "modules_to_save") }
        if let patterns = config.layersPattern, !patterns.isEmpty {
            layerIndexRegexes = try patterns.map { try PythonRegex("(?:^|.*?\\.)\($0)\\.(\\d+)\\.", field: "layers_pattern") }
        } else {
            layerIndexRegexes = [try PythonRegex(".*?\\.[^.]*\\.(\\d+)\\.", field: "layers_pattern")]
        }
    }

    /// Whether `key` is excluded, targeted or unmatched, in PEFT's order of rules.
    func outcome(for key: String) -> Outcome {
        if let exclude = config.excludeModules {
            switch exclude {
            case let .names(names) where Self.nameList(names, contains: key): return .excluded
            case .pattern where excludeRegex!.fullMatches(key): return .excluded
            default: break
            }
        }
        if modulesToSaveRegexes.contains(where: { $0.matchAtStart(key) != nil }) { return .excluded }
        switch config.targetModules {
        case nil, .allLinear?: return .unmatched
        case .pattern?: return targetRegex!.fullMatches(key) ? .targeted : .unmatched
        case let .names(names)?:
            if names.contains(key) { return .targeted }
            guard Self.nameList(names, contains: key) else { return .unmatched }
            guard let indices = config.layersToTransform, !indices.isEmpty else { return .targeted }
            guard let index = layerIndex(of: key) else { return .unmatched }
            return indices.contains(index) ? .targeted : .unmatched
        }
    }

    /// The layer index in `key`: the number after the first `<layers_pattern>.` (or, without a
    /// pattern, after the first `.<name>.`), as PEFT reads it.
    func layerIndex(of key: String) -> Int? {
        for regex in layerIndexRegexes {
            if let groups = regex.matchAtStart(key), let digits = groups.last ?? nil { return Int(digits) }
        }
        return nil
    }

    /// A list entry matches a name equal to it or ending in "." + it.
    static func nameList(_ names: [String], contains key: String) -> Bool {
        names.contains { key == $0 || key.hasSuffix("." + $0) }
    }

    /// PEFT's `get_pattern_key`: the first key (in order) with `(.*\.)?(key)$` matching the module
    /// name from its start, for `rank_pattern` / `alpha_pattern`.
    static func patternKey<Value>(_ patterns: [(key: String, value: Value)], for name: String, field: String) throws -> Value? {
        for (key, value) in patterns where try PythonRegex("(.*\\.)?(\(key))$", field: field).matchAtStart(name) != nil {
            return value
        }
        return nil
    }
}
