import CPlatform

/// What an x86-64 CPU is and which vector instructions it and the operating system support, read
/// with `cpuid` and `xgetbv`: the facts the choice of OpenBLAS kernel rests on.
///
/// An instruction set counts only when the operating system also saves its registers (XCR0), as
/// OpenBLAS itself checks: a CPU with AVX-512 under a kernel that disables it has no AVX-512 here.
public struct CPUFeatures: Equatable, Sendable {
    /// Who made the CPU, from cpuid leaf 0's vendor string.
    public enum Vendor: Equatable, Sendable {
        case intel, amd, hygon, other(String)
    }

    public var vendor: Vendor
    /// The display family (base family, plus the extended family when the base is 0xF).
    public var family: Int
    /// The display model (base model, plus the extended model for families 6 and 0xF).
    public var model: Int
    public var avx = false
    public var fma = false
    public var avx2 = false
    /// AVX-512 Foundation with the CD, DQ, BW and VL extensions OpenBLAS's SkylakeX kernels use.
    public var avx512 = false
    /// AVX-512 BF16 (cpuid leaf 7, sub-leaf 1), which OpenBLAS's Cooperlake kernels add.
    public var avx512BF16 = false

    public init(vendor: Vendor, family: Int, model: Int, avx: Bool = false, fma: Bool = false, avx2: Bool = false,
                avx512: Bool = false, avx512BF16: Bool = false) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.avx = avx
        self.fma = fma
        self.avx2 = avx2
        self.avx512 = avx512
        self.avx512BF16 = avx512BF16
    }

    /// This machine's CPU, or nil off x86-64.
    public static let current: CPUFeatures? = read()

    /// A short description: `Intel family 6 model 207: AVX2 FMA AVX-512 AVX-512-BF16`.
    public var summary: String {
        let name: String
        switch vendor {
        case .intel: name = "Intel"
        case .amd: name = "AMD"
        case .hygon: name = "Hygon"
        case .other(let text): name = text
        }
        let sets = [(avx, "AVX"), (avx2, "AVX2"), (fma, "FMA"), (avx512, "AVX-512"), (avx512BF16, "AVX-512-BF16")]
            .filter(\.0).map(\.1)
        return "\(name) family \(family) model \(model)" + (sets.isEmpty ? "" : ": " + sets.joined(separator: " "))
    }

    private static func read() -> CPUFeatures? {
        #if arch(x86_64)
        var registers: [UInt32] = [0, 0, 0, 0]
        guard lorakit_cpuid(0, 0, &registers) == 1 else { return nil }
        let highestLeaf = registers[0]
        let vendorBytes = [registers[1], registers[3], registers[2]].flatMap { word in
            (0 ..< 4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
        }
        let vendorName = String(decoding: vendorBytes, as: UTF8.self)
        let vendor: Vendor = switch vendorName {
        case "GenuineIntel": .intel
        case "AuthenticAMD": .amd
        case "HygonGenuine": .hygon
        default: .other(vendorName)
        }

        _ = lorakit_cpuid(1, 0, &registers)
        let signature = registers[0], ecx1 = registers[2]
        let baseFamily = Int((signature >> 8) & 0xF), baseModel = Int((signature >> 4) & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int((signature >> 20) & 0xFF) : baseFamily
        let model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel + Int((signature >> 16) & 0xF) << 4 : baseModel
        var features = CPUFeatures(vendor: vendor, family: family, model: model)

        let osSaves = ecx1 & (1 << 27) != 0 ? lorakit_xgetbv0() : 0
        let avxState = osSaves & 0x6 == 0x6            // XMM and YMM
        let avx512State = avxState && osSaves & 0xE0 == 0xE0  // opmask, ZMM 0-15 upper halves, ZMM 16-31
        features.avx = avxState && ecx1 & (1 << 28) != 0
        features.fma = features.avx && ecx1 & (1 << 12) != 0
        if highestLeaf >= 7 {
            _ = lorakit_cpuid(7, 0, &registers)
            let ebx7 = registers[1], maxSubleaf = registers[0]
            features.avx2 = features.avx && ebx7 & (1 << 5) != 0
            let avx512Bits: UInt32 = (1 << 16) | (1 << 17) | (1 << 28) | (1 << 30) | (1 << 31)  // F DQ CD BW VL
            features.avx512 = avx512State && ebx7 & avx512Bits == avx512Bits
            if maxSubleaf >= 1 {
                _ = lorakit_cpuid(7, 1, &registers)
                features.avx512BF16 = features.avx512 && registers[0] & (1 << 5) != 0
            }
        }
        return features
        #else
        return nil
        #endif
    }
}
