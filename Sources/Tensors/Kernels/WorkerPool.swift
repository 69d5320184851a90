import CPlatform
import Dispatch
import Foundation
import Synchronization

/// The engine's worker threads: one per core beyond the caller's, which runs `count` items of a
/// loop together with the calling thread and returns when all are done.
///
/// Operations hand the pool hundreds of short parallel loops per training step (GEMM blocks,
/// attention heads, element-wise passes), often only tens of microseconds long. A worker that went
/// to sleep takes longer than that to wake (libdispatch's `concurrentPerform` measured here: two
/// 50 µs items took 105 µs, no faster than one thread), so a worker spins for `spinSeconds` after
/// each loop before parking on a condition variable. BLAS runs single-threaded under it, so no
/// other thread pool spins against these workers.
///
/// One loop runs at a time: a loop started while another runs (from inside an item, or from a
/// second thread such as the workbench's user interface) runs on its caller's thread alone.
/// A pool lives as long as the process: its workers hold it.
@usableFromInline
final class WorkerPool: @unchecked Sendable {
    /// The pool every operation uses, with one worker per core after the first.
    @usableFromInline static let shared = WorkerPool(workers: Parallel.width - 1)

    /// How long an idle worker keeps checking for the next loop before it parks.
    static let spinSeconds = 0.001

    /// The current loop in one word: its generation (bits 32–63), its item count (bits 16–31) and
    /// the next unclaimed item (bits 0–15). A worker claims an item by advancing the word with a
    /// compare-and-swap, so it can only ever claim an item of the loop that is current, whose body
    /// is in place, however late it comes.
    private let claim = Atomic<UInt64>(0)
    private let finished = Atomic<Int>(0)
    private let parkedWorkers = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)
    /// The current loop's body; written before its generation is published, cleared after its last item.
    private var body: ((Int) -> Void)?
    private let wakeLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeSignal = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    let workers: Int

    init(workers: Int) {
        self.workers = workers
        pthread_mutex_init(wakeLock, nil)
        pthread_cond_init(wakeSignal, nil)
        for index in 0 ..< workers {
            let thread = Thread { self.workerLoop() }
            thread.name = "lorakit-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Calls `item(i)` for every `i` in `0 ..< count`, spread over the workers and this thread.
    @usableFromInline func run(_ count: Int, _ item: (Int) -> Void) {
        guard workers > 0, count > 1, count <= 0xFFFF,
              running.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0 ..< count { item(i) }
            return
        }
        withoutActuallyEscaping(item) { item in
            body = item
            finished.store(0, ordering: .relaxed)
            let generation = ((claim.load(ordering: .relaxed) >> 32) &+ 1) & 0xFFFF_FFFF
            claim.store(generation << 32 | UInt64(count) << 16, ordering: .sequentiallyConsistent)
            if parkedWorkers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(wakeLock)
                pthread_cond_broadcast(wakeSignal)
                pthread_mutex_unlock(wakeLock)
            }
            runItems(of: generation)
            while finished.load(ordering: .acquiring) < count { lorakit_cpu_relax() }
            body = nil
        }
        running.store(false, ordering: .releasing)
    }

    /// Claims and runs items of loop `generation` until none are left or another loop started.
    private func runItems(of generation: UInt64) {
        var word = claim.load(ordering: .acquiring)
        while word >> 32 == generation, word & 0xFFFF < (word >> 16) & 0xFFFF {
            let (claimed, current) = claim.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing)
            guard claimed else {
                word = current
                continue
            }
            body!(Int(word & 0xFFFF))
            finished.add(1, ordering: .releasing)
            word += 1
        }
    }

    private func workerLoop() {
        var seen: UInt64 = 0
        while true {
            seen = nextGeneration(after: seen)
            runItems(of: seen)
        }
    }

    /// Waits for a loop newer than `seen`: spinning first, then parked until `run` signals.
    private func nextGeneration(after seen: UInt64) -> UInt64 {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(Self.spinSeconds * 1e9)
        var spins = 0
        while true {
            let generation = claim.load(ordering: .acquiring) >> 32
            if generation != seen { return generation }
            spins += 1
            if spins % 256 != 0 {
                lorakit_cpu_relax()
            } else if DispatchTime.now().uptimeNanoseconds > deadline {
                pthread_mutex_lock(wakeLock)
                parkedWorkers.add(1, ordering: .sequentiallyConsistent)
                while claim.load(ordering: .sequentiallyConsistent) >> 32 == seen { pthread_cond_wait(wakeSignal, wakeLock) }
                parkedWorkers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(wakeLock)
            }
        }
    }
}
