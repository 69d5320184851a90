import Testing
@testable import Tensors

/// The choice of OpenBLAS kernel: a table of CPUs, what OpenBLAS 0.3.21 picked on them, and the
/// environment, against what lorakit must do.
@Suite struct OpenBLASCoreChoiceTests {
    /// A 2-core Xeon of family 6 model 207 (Emerald Rapids): AVX-512 with BF16, unknown to OpenBLAS 0.3.21.
    static let emeraldRapids = CPUFeatures(vendor: .intel, family: 6, model: 207, avx: true, fma: true, avx2: true, avx512: true, avx512BF16: true)
    static let skylakeServer = CPUFeatures(vendor: .intel, family: 6, model: 85, avx: true, fma: true, avx2: true, avx512: true)
    static let haswellDesktop = CPUFeatures(vendor: .intel, family: 6, model: 60, avx: true, fma: true, avx2: true)
    static let zen3 = CPUFeatures(vendor: .amd, family: 0x19, model: 1, avx: true, fma: true, avx2: true)
    static let zen4 = CPUFeatures(vendor: .amd, family: 0x19, model: 0x61, avx: true, fma: true, avx2: true, avx512: true, avx512BF16: true)
    static let zen5 = CPUFeatures(vendor: .amd, family: 0x1A, model: 0x11, avx: true, fma: true, avx2: true, avx512: true, avx512BF16: true)
    static let core2 = CPUFeatures(vendor: .intel, family: 6, model: 23)
    static let sandyBridge = CPUFeatures(vendor: .intel, family: 6, model: 42, avx: true)

    typealias Decision = OpenBLASCoreChoice.Decision

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var features: CPUFeatures?
        var loaded: String
        var environment: [String: String] = [:]
        var expected: Decision
        var testDescription: String { name }
    }

    static let own = OpenBLASCoreChoice.originalChoiceVariable, forced = OpenBLASCoreChoice.coreTypeVariable

    static let cases: [Case] = [
        Case(name: "Prescott on an AVX-512 BF16 Intel becomes Cooperlake", features: emeraldRapids, loaded: "Prescott",
             expected: .reexecute(core: "Cooperlake", openBLASChoice: "Prescott")),
        Case(name: "Haswell on an AVX-512 Intel becomes SkylakeX", features: skylakeServer, loaded: "Haswell",
             expected: .reexecute(core: "SkylakeX", openBLASChoice: "Haswell")),
        Case(name: "SkylakeX on a Skylake server stays", features: skylakeServer, loaded: "SkylakeX", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Cooperlake stays", features: emeraldRapids, loaded: "Cooperlake", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "a newer core than the table knows stays", features: emeraldRapids, loaded: "SapphireRapids", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "a core name the table does not know stays", features: emeraldRapids, loaded: "Diamondlake", expected: .keep(reason: .unknownCore)),
        Case(name: "Haswell on a Haswell stays", features: haswellDesktop, loaded: "Haswell", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Prescott on a Haswell becomes Haswell", features: haswellDesktop, loaded: "Prescott",
             expected: .reexecute(core: "Haswell", openBLASChoice: "Prescott")),
        Case(name: "Zen on Zen 3 stays", features: zen3, loaded: "Zen", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Zen on AVX-512 Zen 4 stays Zen", features: zen4, loaded: "Zen", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Cooperlake picked by a newer OpenBLAS on Zen 4 stays", features: zen4, loaded: "Cooperlake", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Barcelona on Zen 5 (full-width AVX-512) becomes Cooperlake", features: zen5, loaded: "Barcelona",
             expected: .reexecute(core: "Cooperlake", openBLASChoice: "Barcelona")),
        Case(name: "Zen on Zen 5 becomes Cooperlake", features: zen5, loaded: "Zen",
             expected: .reexecute(core: "Cooperlake", openBLASChoice: "Zen")),
        Case(name: "Cooperlake on Zen 5, as Debian's 0.3.21 loads it, stays", features: zen5, loaded: "Cooperlake",
             expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Barcelona on Zen 4 becomes Zen", features: zen4, loaded: "Barcelona",
             expected: .reexecute(core: "Zen", openBLASChoice: "Barcelona")),
        Case(name: "an old CPU with no AVX keeps its SSE kernel", features: core2, loaded: "Core2", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "Nehalem on an AVX-only CPU becomes Sandybridge", features: sandyBridge, loaded: "Nehalem",
             expected: .reexecute(core: "Sandybridge", openBLASChoice: "Nehalem")),
        Case(name: "off x86-64 nothing changes", features: nil, loaded: "NEOVERSEN1", expected: .keep(reason: .openBLASChoseWell)),
        Case(name: "a user's OPENBLAS_CORETYPE is respected, even a slow one", features: emeraldRapids, loaded: "Prescott",
             environment: [forced: "Prescott"], expected: .keep(reason: .userSetting)),
        Case(name: "an empty OPENBLAS_CORETYPE counts as unset", features: emeraldRapids, loaded: "Prescott",
             environment: [forced: ""], expected: .reexecute(core: "Cooperlake", openBLASChoice: "Prescott")),
        Case(name: "after the re-exec the forced core is reported as lorakit's choice", features: emeraldRapids, loaded: "Cooperlake",
             environment: [forced: "Cooperlake", own: "Prescott"], expected: .keep(reason: .chosenByLorakit(openBLASChoice: "Prescott"))),
        Case(name: "a forced core the library lacks falls to the next one down", features: emeraldRapids, loaded: "Prescott",
             environment: [forced: "Cooperlake", own: "Prescott"], expected: .reexecute(core: "SkylakeX", openBLASChoice: "Prescott")),
        Case(name: "the chain of fallbacks ends above OpenBLAS's own choice", features: skylakeServer, loaded: "Haswell",
             environment: [forced: "SkylakeX", own: "Haswell"], expected: .keep(reason: .noBetterCoreAvailable(openBLASChoice: "Haswell"))),
    ]

    @Test(arguments: cases) func decision(_ item: Case) {
        #expect(OpenBLASCoreChoice.decide(features: item.features, loaded: item.loaded, environment: item.environment) == item.expected)
    }

    /// Every chain of fallbacks is finite: each re-exec names a core strictly below the one before.
    @Test func fallbacksNeverLoop() {
        for features in [Self.emeraldRapids, Self.skylakeServer, Self.haswellDesktop, Self.zen5, Self.sandyBridge] {
            var environment: [String: String] = [:]
            var execs = 0
            // OpenBLAS here honours nothing: it always loads Prescott.
            while case .reexecute(let core, let original) = OpenBLASCoreChoice.decide(features: features, loaded: "Prescott", environment: environment) {
                environment = [Self.forced: core, Self.own: original]
                execs += 1
                #expect(execs <= OpenBLASCoreChoice.candidates(for: features).count, "\(features.summary) re-executes too often")
                if execs > 10 { break }
            }
        }
    }

    /// No candidate needs an instruction set the CPU lacks.
    @Test func candidatesNeedOnlyWhatTheCPUHas() {
        #expect(OpenBLASCoreChoice.candidates(for: Self.haswellDesktop) == ["Haswell", "Sandybridge"])
        #expect(OpenBLASCoreChoice.candidates(for: Self.core2).isEmpty)
        #expect(!OpenBLASCoreChoice.candidates(for: Self.skylakeServer).contains("Cooperlake"))
        #expect(OpenBLASCoreChoice.candidates(for: Self.zen4).first == "Zen")
        #expect(OpenBLASCoreChoice.candidates(for: Self.zen5) == ["Cooperlake", "SkylakeX", "Zen", "Haswell", "Sandybridge"])
        #expect(OpenBLASCoreChoice.candidates(for: Self.zen3) == ["Zen", "Haswell", "Sandybridge"])
    }

    /// A user's core below what the CPU runs is named beside the better one; one as good or better, or
    /// one the table does not know, is not.
    @Test func betterCoreThanAUserSetting() {
        #expect(OpenBLASCoreChoice.betterCore(than: "Haswell", features: Self.zen5) == "Cooperlake")
        #expect(OpenBLASCoreChoice.betterCore(than: "Haswell", features: Self.emeraldRapids) == "Cooperlake")
        #expect(OpenBLASCoreChoice.betterCore(than: "Prescott", features: Self.zen3) == "Zen")
        #expect(OpenBLASCoreChoice.betterCore(than: "Haswell", features: Self.zen3) == nil)
        #expect(OpenBLASCoreChoice.betterCore(than: "Zen", features: Self.zen4) == nil)
        #expect(OpenBLASCoreChoice.betterCore(than: "Cooperlake", features: Self.emeraldRapids) == nil)
        #expect(OpenBLASCoreChoice.betterCore(than: "Diamondlake", features: Self.emeraldRapids) == nil)
        #expect(OpenBLASCoreChoice.betterCore(than: "Haswell", features: nil) == nil)
    }
}
