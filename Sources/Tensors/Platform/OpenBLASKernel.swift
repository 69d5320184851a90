import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS kernel this process runs on, how it was chosen, and the start-up step that makes it
/// the best the CPU supports (see `OpenBLASCoreChoice`).
public enum OpenBLASKernel {
    /// The core name OpenBLAS loaded (`openblas_get_corename`), e.g. `Haswell`, `Zen`, `Cooperlake`.
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// OpenBLAS's build description (`openblas_get_config`), e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH ...`.
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
    }

    /// OpenBLAS's version, the second word of its configuration (`0.3.21`).
    public static var version: String {
        let words = configuration.split(separator: " ")
        return words.count > 1 ? String(words[1]) : "?"
    }

    /// Why this kernel is in use, decided from the CPU and the environment as the process started.
    public static var reason: OpenBLASCoreChoice.Reason {
        switch OpenBLASCoreChoice.decide(features: CPUFeatures.current, loaded: coreName, environment: environment()) {
        case .keep(let reason): reason
        // Only when `ensureBestCore` was not called, or its exec failed.
        case .reexecute(_, let openBLASChoice): .noBetterCoreAvailable(openBLASChoice: openBLASChoice)
        }
    }

    /// One line for `--version`, benchmarks and the workbench's `info`:
    /// `OpenBLAS 0.3.21 kernel Cooperlake (chosen by lorakit; OpenBLAS picked Prescott), 2 threads`.
    public static var summary: String {
        let origin: String = switch reason {
        case .openBLASChoseWell: "OpenBLAS's choice"
        case .userSetting:
            OpenBLASCoreChoice.betterCore(than: coreName, features: CPUFeatures.current)
                .map { "set by OPENBLAS_CORETYPE; this CPU also runs \($0), unset the variable to use it" } ?? "set by OPENBLAS_CORETYPE"
        case .chosenByLorakit(let own): "chosen by lorakit; OpenBLAS picked \(own)"
        case .noBetterCoreAvailable(let own): "OpenBLAS picked \(own) and no better core loaded"
        case .unknownCore: "OpenBLAS's choice"
        }
        return "OpenBLAS \(version) kernel \(coreName) (\(origin)), \(Parallel.width) threads"
    }

    /// Re-executes this program once with `OPENBLAS_CORETYPE` set when OpenBLAS loaded an older core
    /// than the CPU supports; returns when the kernel stays (or the exec fails, which leaves the
    /// process as it was). Call it first thing in `main`, before any thread or signal handler exists:
    /// `execv` keeps the process id, arguments, open files (so the terminal and standard input), the
    /// signal mask and ignored signals, and the exit code is the new image's.
    public static func ensureBestCore() {
        #if os(Linux) && arch(x86_64)
        guard case .reexecute(let core, let openBLASChoice) =
                OpenBLASCoreChoice.decide(features: CPUFeatures.current, loaded: coreName, environment: environment())
        else { return }
        setenv(OpenBLASCoreChoice.coreTypeVariable, core, 1)
        setenv(OpenBLASCoreChoice.originalChoiceVariable, openBLASChoice, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if the exec failed: run on as before, without the variables.
        unsetenv(OpenBLASCoreChoice.coreTypeVariable)
        unsetenv(OpenBLASCoreChoice.originalChoiceVariable)
        #endif
    }

    private static func environment() -> [String: String] {
        var values: [String: String] = [:]
        for name in [OpenBLASCoreChoice.coreTypeVariable, OpenBLASCoreChoice.originalChoiceVariable] {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }
}
