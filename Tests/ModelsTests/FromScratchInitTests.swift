import Foundation
import Models
import Tensors
import Testing

/// `from_scratch` initialisation (transformers' `from_config`): seeded, and the same model whatever
/// the storage it is initialised into.
struct FromScratchInitTests {
    static func config() throws -> ConfigReader {
        try ConfigReader(contentsOf: ModelReference("builtin:tiny-llama").directory.appendingPathComponent("config.json"))
    }

    @Test(arguments: [BaseStorage.DType.bfloat16, .nf4])
    func packedInitIsThePackedFloat32Init(_ dtype: BaseStorage.DType) throws {
        let storage = BaseStorage(dtype: dtype)
        let full = try ModelLoader.initialize(config: Self.config(), seed: 5)
        let packed = try ModelLoader.initialize(config: Self.config(), seed: 5, storage: storage)
        let formats = storage.formats(for: packed)
        let fullParameters = Dictionary(uniqueKeysWithValues: full.namedParameters().map { ($0.name, $0.parameter) })
        var packedCount = 0
        for (name, parameter) in packed.namedParameters() {
            let reference = try #require(fullParameters[name]).value()
            if let format = formats[ObjectIdentifier(parameter)] {
                packedCount += 1
                #expect(parameter.frozen?.format == format)
                #expect(try parameter.value().scalars == FrozenWeight(packing: reference, as: format).dequantized().scalars, "\(name)")
            } else {
                #expect(try parameter.value().scalars == reference.scalars, "\(name)")
            }
        }
        #expect(packedCount > 0)
    }

    @Test func weightsAreSeededNormalWithTheConfiguredStd() throws {
        let first = try ModelLoader.initialize(config: Self.config(), seed: 5).namedParameters()
        let again = try ModelLoader.initialize(config: Self.config(), seed: 5).namedParameters()
        let other = try ModelLoader.initialize(config: Self.config(), seed: 6).namedParameters()
        let std = try Self.config().double("initializer_range", default: 0.02)
        for ((name, a), ((_, b), (_, c))) in zip(first, zip(again, other)) where name.hasSuffix("proj.weight") {
            let values = try a.value().scalars.map(Double.init)
            let repeated = try b.value().scalars.map(Double.init), reseeded = try c.value().scalars.map(Double.init)
            #expect(values == repeated && values != reseeded)
            let measured = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
            #expect(abs(measured - std) < 0.1 * std, "\(name)")
        }
    }
}
