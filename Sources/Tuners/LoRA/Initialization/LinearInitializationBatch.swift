import Models
import Tensors

/// The data-free decompositions of an adapter's Linear targets (PiSSA's exact SVD, OLoRA's QR,
/// LoftQ's quantise-and-decompose loop), computed a few modules at a time, one module per core,
/// as `LoraLayerFactory` asks for them in module order. PEFT computes them one module after
/// another, each on all threads; one LAPACK call per core keeps both cores busy where a single
/// call's threads would wait on each other. Each module's start is what `linearWeights` computes
/// for it alone (the same calls on the same weight), so only the order of the work changes. At
/// most `window` starts are held at a time, so memory grows by a few modules, not the model.
/// Inits that draw random numbers are not batched, so their draws stay in module order.
final class LinearInitializationBatch {
    private let initialization: LoraInitialization
    private var pending: [(key: String, input: LinearInitializationInput)]
    private var computed: [String: LinearInitialization] = [:]

    /// The batch for the Linear and Conv1D modules of `targets`, or nil when the init has nothing to
    /// batch or there is one core.
    init?(targets: [(key: String, module: Module)], config: LoraConfig) {
        switch config.initLoraWeights {
        case .pissa(niter: nil), .olora, .loftq: break
        default: return nil
        }
        guard Parallel.width > 1 else { return nil }
        initialization = config.initLoraWeights
        // A module whose input cannot be made here (not Linear, a bad rank) is left out: wrapping it
        // then reports the problem where it always did. So is a module reached by two names, whose
        // second init reads the residual of its first.
        let counts = Dictionary(targets.map { (ObjectIdentifier($0.module), 1) }, uniquingKeysWith: +)
        pending = targets.compactMap { key, module in
            guard counts[ObjectIdentifier(module)] == 1, let layer = module as? LoraLinear ?? (try? LoraLinear(wrapping: module, path: key)),
                  let rank = try? config.rankAndAlpha(for: key), rank.r > 0 else { return nil }
            return (key, LoraLayerFactory.initializationInput(layer, key: key, r: rank.r, scaling: config.scaling(r: rank.r, alpha: rank.alpha)))
        }
    }

    /// The start of the module at `key`, computed with the next ones not computed yet when it is
    /// not there; nil when the module is not in the batch or its init failed (the caller then
    /// runs it itself, and reports the failure).
    func take(_ key: String) -> LinearInitialization? {
        if computed[key] == nil, let index = pending.firstIndex(where: { $0.key == key }) {
            let next = Array(pending[index ..< min(pending.count, index + Self.window)])
            pending.removeSubrange(index ..< index + next.count)
            for (key, start) in zip(next.map(\.key), compute(next.map(\.input))) { computed[key] = start }
        }
        return computed.removeValue(forKey: key)
    }

    /// Modules computed together: a few per core, so that cores taking the next module as they
    /// come free even out modules of different shapes (a LLaMA layer's MLP weights cost about twice
    /// its attention ones).
    static let window = 4 * Parallel.width

    /// The starts of `inputs`, a module per core at a time (each LAPACK call is on one thread,
    /// `LapackThreads`).
    private func compute(_ inputs: [LinearInitializationInput]) -> [LinearInitialization?] {
        var starts = [LinearInitialization?](repeating: nil, count: inputs.count)
        starts.withUnsafeMutableBufferPointer { starts in
            Parallel.forEachItem(inputs.count) { i in
                var generator = RandomGenerator(seed: 0)  // the batched inits draw nothing
                starts[i] = GradMode.withoutGradients { try? initialization.linearWeights(inputs[i], generator: &generator) }
            }
        }
        return starts
    }
}
