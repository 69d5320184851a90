import Foundation

/// The resident memory of this process, from `/proc/self/status` (Linux).
enum ProcessMemory {
    /// Current (`VmRSS`) and peak (`VmHWM`) resident set size in MiB, or nil where unavailable.
    static func residentMiB() -> (current: Double, peak: Double)? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first.map { $0 / 1024 }
        }
        guard let current = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (current, peak)
    }
}
