/// Which OpenBLAS kernel ("core") a process should run on, as a pure function of the CPU's features,
/// what OpenBLAS chose by itself, and the environment.
///
/// OpenBLAS built with `DYNAMIC_ARCH` (as Debian builds it) picks its kernels from the CPU model
/// number. Versions before 0.3.25 do not know recent Intel models (OpenBLAS issue #4267) and fall back
/// to `Prescott`, SSE3 kernels at a tenth of the machine's speed. The variable `OPENBLAS_CORETYPE`
/// overrides the choice, but it is read only when the library loads, so a process that finds a
/// fallback must set it and re-execute itself.
///
/// The choice never names a core whose instructions the CPU lacks: `Cooperlake` needs AVX-512 with
/// BF16, `SkylakeX` AVX-512 (F, CD, DQ, BW, VL), `Haswell` AVX2 with FMA. AMD's Zen 2 to Zen 4
/// (families 0x17 and 0x19) get `Zen`, OpenBLAS 0.3.21's own pick for them, also on AVX-512 Zen 4,
/// whose AVX-512 units are 256 bits wide. Zen 5 (family 0x1A and later) executes AVX-512 at full
/// width: there the AVX-512 cores come first, as Debian's 0.3.21 itself loads `Cooperlake` on a Zen 5
/// EPYC, where its sgemm measured 420 GFLOP/s on two cores against 222 for the `Haswell` kernels
/// that `Zen` uses.
public enum OpenBLASCoreChoice {
    /// The environment variable OpenBLAS reads its forced core from.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set by lorakit beside `OPENBLAS_CORETYPE` when lorakit chose the core: OpenBLAS's own choice,
    /// which also tells a re-executed process not to decide again.
    public static let originalChoiceVariable = "LORAKIT_OPENBLAS_OWN_CORE"

    /// What to do at start-up.
    public enum Decision: Equatable, Sendable {
        /// Run on the kernel loaded now; `reason` says why it stays.
        case keep(reason: Reason)
        /// Set `OPENBLAS_CORETYPE` to `core` (and `originalChoiceVariable` to `openBLASChoice`) and
        /// re-execute.
        case reexecute(core: String, openBLASChoice: String)
    }

    /// Why the loaded kernel stays.
    public enum Reason: Equatable, Sendable {
        /// OpenBLAS's own choice is as good as the CPU allows (or the CPU is not x86-64).
        case openBLASChoseWell
        /// The user set `OPENBLAS_CORETYPE`; lorakit never overrides it.
        case userSetting
        /// lorakit set `OPENBLAS_CORETYPE` before re-executing, and OpenBLAS took it.
        case chosenByLorakit(openBLASChoice: String)
        /// lorakit's choice was not available in this OpenBLAS and nothing better than OpenBLAS's own
        /// choice remains to try.
        case noBetterCoreAvailable(openBLASChoice: String)
        /// OpenBLAS reports a core this table does not know; lorakit leaves it alone.
        case unknownCore
    }

    /// The decision for a process whose loaded OpenBLAS reports `loaded` (`openblas_get_corename`),
    /// on a CPU with `features` (nil off x86-64), where `environment` holds the process's variables.
    public static func decide(features: CPUFeatures?, loaded: String, environment: [String: String]) -> Decision {
        let forced = environment[coreTypeVariable].flatMap { $0.isEmpty ? nil : $0 }
        let original = environment[originalChoiceVariable].flatMap { $0.isEmpty ? nil : $0 }
        guard let forced else { return firstChoice(features: features, loaded: loaded) }
        guard let original else { return .keep(reason: .userSetting) }
        if forced.caseInsensitiveCompare(loaded) == .orderedSame { return .keep(reason: .chosenByLorakit(openBLASChoice: original)) }
        // The core lorakit asked for was not taken (OpenBLAS fell back): try the next one down, once each.
        let floor = generation(of: original) ?? 0
        let remaining = candidates(for: features).drop { $0.caseInsensitiveCompare(forced) != .orderedSame }.dropFirst()
        if let next = remaining.first(where: { generation(of: $0)! > floor }) {
            return .reexecute(core: next, openBLASChoice: original)
        }
        return .keep(reason: .noBetterCoreAvailable(openBLASChoice: original))
    }

    private static func firstChoice(features: CPUFeatures?, loaded: String) -> Decision {
        guard let best = candidates(for: features).first else { return .keep(reason: .openBLASChoseWell) }
        guard let loadedGeneration = generation(of: loaded) else { return .keep(reason: .unknownCore) }
        return generation(of: best)! > loadedGeneration
            ? .reexecute(core: best, openBLASChoice: loaded)
            : .keep(reason: .openBLASChoseWell)
    }

    /// The cores this CPU can run that are worth forcing, best first (OpenBLAS 0.3.21's names).
    public static func candidates(for features: CPUFeatures?) -> [String] {
        guard let features else { return [] }
        var cores: [String] = []
        let zen = (features.vendor == .amd || features.vendor == .hygon) && features.family >= 0x17
        // Zen 4's AVX-512 is 256 bits wide, so there Zen's AVX2 kernels stay first.
        let avx512Worthwhile = !zen || features.family >= 0x1A
        if avx512Worthwhile && features.avx512BF16 { cores.append("Cooperlake") }
        if avx512Worthwhile && features.avx512 { cores.append("SkylakeX") }
        if zen && features.avx2 && features.fma { cores.append("Zen") }
        if features.avx2 && features.fma { cores.append("Haswell") }
        if features.avx { cores.append("Sandybridge") }
        return cores
    }

    /// The best core this CPU runs when it is of a later instruction-set generation than `forced`, a
    /// user's `OPENBLAS_CORETYPE`: what `--version` and `bench` name beside that setting, which
    /// lorakit keeps.
    public static func betterCore(than forced: String, features: CPUFeatures?) -> String? {
        guard let best = candidates(for: features).first, let forcedGeneration = generation(of: forced) else { return nil }
        return generation(of: best)! > forcedGeneration ? best : nil
    }

    /// The instruction-set generation of an OpenBLAS x86-64 core name: 1 SSE, 2 AVX, 3 AVX2, 4 AVX-512,
    /// 5 AVX-512 BF16, 6 AMX; nil for a name not in the table (another architecture, a newer core).
    public static func generation(of core: String) -> Int? {
        switch core.lowercased() {
        case "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
             "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "opteron(sse3)", "barcelona", "nano", "bobcat":
            1
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": 2
        case "haswell", "zen": 3
        case "skylakex": 4
        case "cooperlake": 5
        case "sapphirerapids": 6
        default: nil
        }
    }
}
