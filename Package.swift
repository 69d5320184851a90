// swift-tools-version:6.0
// lorakit: a terminal workbench for LoRA-family fine-tuning. See README.md and DESIGN notes.
import PackageDescription

/// Optimisation flags for the numeric targets. Release drops bounds checks (the kernels have been
/// proven by the tests); debug, where the tests run, keeps them but still optimises, because the
/// SIMD kernels are a hundred times slower unoptimised. On x86-64 both generate AVX2 code (any
/// x86 server since 2013): the kernels' sixteen-lane loops otherwise compile to 4-wide SSE.
#if arch(x86_64)
let vectorISA = ["-target-cpu", "haswell"]
#else
let vectorISA: [String] = []
#endif
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"] + vectorISA, .when(configuration: .release)),
    .unsafeFlags(["-O"] + vectorISA, .when(configuration: .debug)),
]

/// Libraries that read what users give them (templates): optimised in debug too, so the tests of
/// their limits run quickly, but with every runtime check kept in release.
let checkedButOptimised: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "lorakit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lorakit", targets: ["lorakit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .systemLibrary(name: "CCurses", path: "Sources/CCurses"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .systemLibrary(name: "CPlatform", path: "Sources/CPlatform"),

        // Libraries, ground floor first; each imports only the floors below it.
        .target(name: "FileAccess"),
        // The one JSON value type, parser, writer and field reader, below everything that reads JSON.
        .target(name: "JSON", swiftSettings: checkedButOptimised),
        .target(name: "Tensors", dependencies: ["CBLAS", "CPlatform"], swiftSettings: fastMath),
        .target(name: "Jinja", dependencies: ["JSON"], swiftSettings: checkedButOptimised),
        .target(name: "Tokenizers", dependencies: ["JSON", "Jinja", "FileAccess"], swiftSettings: fastMath),
        .target(name: "Models", dependencies: ["JSON", "Tensors", "Tokenizers", "Jinja", "FileAccess"], resources: [.copy("Resources/builtin")], swiftSettings: fastMath),
        .target(name: "Tuners", dependencies: ["JSON", "Models", "Tensors", "FileAccess"], swiftSettings: fastMath),
        .target(name: "Training", dependencies: ["JSON", "Tuners", "Models", "Tokenizers", "Jinja", "Tensors", "FileAccess", "Yams"], swiftSettings: fastMath),
        .target(name: "Benchmarks", dependencies: ["Training", "Tuners", "Models", "Tensors", "CBLAS"], swiftSettings: fastMath),
        .target(name: "Workbench", dependencies: ["Training", "JSON", "Tuners", "Models", "Tokenizers", "Tensors", "FileAccess", "CCurses", "CReadline"]),

        // The executable: argument parsing and the choice of front end.
        .executableTarget(name: "lorakit", dependencies: [
            "Workbench", "Benchmarks", "Training", "Tuners", "Models", "Tokenizers", "Jinja", "JSON", "Tensors", "FileAccess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Reading the PEFT parity fixtures in Tests/Fixtures, shared by the test targets.
        .target(name: "FixtureSupport", dependencies: ["Models", "Tensors"], path: "Tests/FixtureSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CBLAS"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "JSON", "FixtureSupport"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja", "JSON", "FixtureSupport"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "Jinja", "JSON", "FixtureSupport"]),
        .testTarget(name: "TunersTests", dependencies: ["Tuners", "JSON", "FixtureSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Tokenizers", "FixtureSupport"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench"]),
        // The `lorakit` binary run as a user runs it.
        .testTarget(name: "LorakitTests", dependencies: ["Tensors", "Models", "Tokenizers", "FileAccess", "FixtureSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
