import Foundation
import Tuners

/// The target rules a user builds with `target add/remove/only` (or space in the tree): entries that
/// are module names or name suffixes (`q_proj`, `self_attn.v_proj`), regular expressions, or
/// `all-linear`, plus the modules excluded from them. They become the config's `target_modules`
/// and `exclude_modules`, so selection follows PEFT's rules exactly.
public struct TargetRules: Equatable, Sendable {
    /// The targeting entries, in the order they were added.
    public internal(set) var entries: [String] = []
    /// Modules (names or suffixes) taken out again.
    public internal(set) var excluded: [String] = []

    public init(entries: [String] = [], excluded: [String] = []) {
        self.entries = entries
        self.excluded = excluded
    }

    /// PEFT's shorthand for every linear layer but the output layer.
    public static let allLinear = "all-linear"

    /// Whether `entry` is a regular expression rather than a name (it uses regex syntax beyond dots).
    public static func isRegex(_ entry: String) -> Bool {
        entry.contains { "*+?[](){}|^$\\".contains($0) }
    }

    /// The rules as `target_modules`: nil for none (PEFT's defaults for the model type), a name list,
    /// `all-linear`, or one regular expression when any entry is one (names become `(.*\.)?name`).
    public var targetModules: TargetModules? { Self.modules(entries) }

    /// The exclusions as `exclude_modules`.
    public var excludeModules: TargetModules? { Self.modules(excluded) }

    /// The `target_modules` value for `entries` alone (also used to count what one entry selects).
    static func modules(_ entries: [String]) -> TargetModules? {
        guard !entries.isEmpty else { return nil }
        if entries == [allLinear] { return .allLinear }
        guard entries.contains(where: isRegex) else { return .names(entries) }
        if entries.count == 1 { return .pattern(entries[0]) }
        let alternatives = entries.map { entry in
            isRegex(entry) ? "(?:\(entry))" : "(?:.*\\.)?" + NSRegularExpression.escapedPattern(for: entry)
        }
        return .pattern(alternatives.joined(separator: "|"))
    }

    /// Rules from a config's `target_modules` / `exclude_modules` (`config load`).
    init(_ targets: TargetModules?, excluding excludes: TargetModules?) {
        entries = Self.entries(targets)
        excluded = Self.entries(excludes)
    }

    private static func entries(_ modules: TargetModules?) -> [String] {
        switch modules {
        case nil: return []
        case let .names(names)?: return names
        case let .pattern(pattern)?: return [pattern]
        case .allLinear?: return [allLinear]
        }
    }

    /// Adds an entry (taking it out of the exclusions if it was there); false if already present.
    mutating func add(_ entry: String) throws -> Bool {
        if entry == Self.allLinear && !entries.isEmpty || entries == [Self.allLinear] && entry != Self.allLinear {
            throw CommandError("target add", "all-linear cannot be combined with other rules; use `target only all-linear` or `target clear` first")
        }
        excluded.removeAll { $0 == entry }
        guard !entries.contains(entry) else { return false }
        entries.append(entry)
        return true
    }

    /// Removes an entry; false if there was none (the caller may exclude instead).
    mutating func remove(_ entry: String) -> Bool {
        guard entries.contains(entry) else { return false }
        entries.removeAll { $0 == entry }
        return true
    }

    /// Takes an entry out of the exclusions; false if it was not excluded.
    mutating func unexclude(_ entry: String) -> Bool {
        guard excluded.contains(entry) else { return false }
        excluded.removeAll { $0 == entry }
        return true
    }

    /// Excludes an entry.
    mutating func exclude(_ entry: String) {
        if !excluded.contains(entry) { excluded.append(entry) }
    }
}
