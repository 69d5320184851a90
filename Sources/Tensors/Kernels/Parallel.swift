/// Splits element-wise and row-wise loops across the machine's cores, on the engine's `WorkerPool`.
/// Small loops run inline: below `minimumWork` elements, handing half to a worker costs more than it saves.
public enum Parallel {
    /// The number of chunks large loops are split into: the engine's threads (`ThreadBudget`).
    public static let width = ThreadBudget.current()

    /// Element counts below this run on the calling thread.
    public static let minimumWork = 1 << 15

    /// Calls `body` on disjoint ranges covering `0 ..< count`, in parallel when `count * costPerItem`
    /// is large. `costPerItem` is the rough number of elements each item touches (a row's length).
    @inlinable
    public static func forEachChunk(_ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        if count * costPerItem >= minimumWork {
            forBlocks(of: count, alignedTo: 1, body)
        } else if count > 0 {
            body(0 ..< count)
        }
    }

    /// Calls `body(i)` for every `i` in `0 ..< count`, in parallel, each core claiming the next item
    /// as it comes free: for a few items of unequal cost, which blocks would share out unevenly.
    public static func forEachItem(_ count: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(count, body)
    }

    /// Calls `body` on one block of `0 ..< count` per core, in parallel; block boundaries fall on
    /// multiples of `alignment` (so a matrix split into column blocks keeps its vector-aligned edges).
    @inlinable
    public static func forBlocks(of count: Int, alignedTo alignment: Int, _ body: (Range<Int>) -> Void) {
        let units = (count + alignment - 1) / alignment
        let blocks = min(width, units)
        guard blocks > 1 else {
            if count > 0 { body(0 ..< count) }
            return
        }
        WorkerPool.shared.run(blocks) { block in
            let start = min(count, units * block / blocks * alignment)
            let end = min(count, units * (block + 1) / blocks * alignment)
            if start < end { body(start ..< end) }
        }
    }
}
