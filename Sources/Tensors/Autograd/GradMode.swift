#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether operations on the current thread record themselves on the tape. Recording is on by
/// default; `GradMode.withoutGradients` turns it off for a scope (inference, optimizer updates, the
/// backward pass itself), like PyTorch's `torch.no_grad()`.
public enum GradMode {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether new results record how to push gradients back to their inputs.
    public static var isEnabled: Bool {
        pthread_getspecific(key) == nil
    }

    /// Runs `body` with recording turned off on this thread, restoring the previous mode after.
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    /// Runs `body` with recording turned on on this thread (a recomputation inside the backward
    /// pass, which itself records nothing), restoring the previous mode after.
    public static func withGradients<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, nil)
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}
