import Foundation

/// The reused float32 buffers frozen weights are dequantised into before a GEMM. A buffer is taken
/// for one operation and given back after; normally one buffer, as large as the largest frozen
/// weight, serves a whole training step, forward and backward. Threads that compute at once each
/// take their own.
public enum WeightScratch {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [[Float]] = []

    /// Dequantises `weight` into a scratch buffer and calls `body` with it as a tensor of the
    /// weight's shape. The tensor must not outlive `body` (its buffer is reused afterwards).
    public static func withDequantized<R>(_ weight: FrozenWeight, _ body: (Tensor) throws -> R) rethrows -> R {
        var buffer = take(atLeast: weight.count)
        buffer.withUnsafeMutableBufferPointer { weight.dequantize(into: UnsafeMutableBufferPointer(rebasing: $0[0 ..< weight.count])) }
        var view: Tensor? = Tensor(shape: weight.shape, storage: buffer, offset: 0)
        buffer = []
        defer {
            // The view held the only other reference; taking the storage back leaves it unique again.
            if let storage = view?.storage { give(storage) }
            view = nil
        }
        return try body(view!)
    }

    /// The bytes the scratch buffers hold now.
    public static var byteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return free.reduce(0) { $0 + 4 * $1.capacity }
    }

    /// Lets every buffer go (after training, so the memory returns).
    public static func release() {
        lock.lock()
        free = []
        lock.unlock()
    }

    private static func take(atLeast count: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let index = free.indices.max(by: { free[$0].count < free[$1].count }) {
            var buffer = free.remove(at: index)
            if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
            return buffer
        }
        return [Float](repeating: 0, count: count)
    }

    private static func give(_ buffer: [Float]) {
        lock.lock()
        free.append(buffer)
        lock.unlock()
    }
}
