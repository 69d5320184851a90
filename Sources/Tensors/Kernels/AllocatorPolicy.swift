import CPlatform

/// How the process's memory allocator treats tensor storage.
///
/// A training step allocates and frees the same large buffers (activations, gradients, logits) every
/// time. By default glibc serves each buffer over 32 MiB with a fresh `mmap` and unmaps it on free,
/// so every step pays for page faults and zeroed pages again: a quarter of the small GPT-2 benchmark's
/// time. `retainFreedMemory()` keeps freed memory in the heap, where the next step reuses it; the
/// price is that resident memory stays at its peak. Applications call it once, at start-up.
public enum AllocatorPolicy {
    /// Serves every allocation from the heap (no per-buffer `mmap`), keeps freed memory there instead
    /// of returning it to the kernel, and makes all threads share one heap, so a training loop on a
    /// background thread reuses its buffers as the main thread does.
    public static func retainFreedMemory() {
        mallopt(M_MMAP_MAX, 0)
        mallopt(M_TRIM_THRESHOLD, Int32.max)
        mallopt(M_ARENA_MAX, 1)
    }
}
