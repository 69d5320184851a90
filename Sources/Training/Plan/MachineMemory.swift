import Foundation

/// This machine's memory and this process's resident memory, from `/proc` (Linux).
public struct MachineMemory: Sendable {
    /// Physical memory (`MemTotal`), bytes.
    public var total: Int
    /// What can be had without swapping (`MemAvailable`), bytes: what a run may count on.
    public var available: Int

    public init(total: Int, available: Int) {
        self.total = total
        self.available = available
    }

    /// The figures now, or nil where `/proc/meminfo` is missing.
    public static func current() -> MachineMemory? {
        guard let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let total = kibibytes(info, "MemTotal"), let available = kibibytes(info, "MemAvailable") else { return nil }
        return MachineMemory(total: total * 1024, available: available * 1024)
    }

    /// This process's resident memory now (`VmRSS`), bytes, or nil.
    public static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return kibibytes(status, "VmRSS").map { $0 * 1024 }
    }

    private static func kibibytes(_ text: String, _ field: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }
}
