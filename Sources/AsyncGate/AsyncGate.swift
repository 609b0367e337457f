import Synchronization

/// A FIFO gate for async code that `await`s while it holds something: an actor alone does not
/// keep a second caller out (it is re-entered at every `await`), this does. `width` callers
/// may be inside at once (1: a mutex; more: a semaphore). Waiters are admitted in arrival order.
public final class AsyncGate: Sendable {
    private struct State {
        var inside = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public let width: Int
    private let state = Mutex(State())

    public init(width: Int = 1) {
        self.width = max(1, width)
    }

    /// Runs `body` once inside, in the caller's isolation; leaves on return or throw.
    public func withGate<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async rethrows -> T {
        await enter(isolation: isolation)
        defer { leave() }
        return try await body()
    }

    public func enter(isolation: isolated (any Actor)? = #isolation) async {
        let admitted = state.withLock { s -> Bool in
            guard s.inside < width else { return false }
            s.inside += 1
            return true
        }
        if admitted { return }
        await withCheckedContinuation { continuation in
            // Re-check under the lock: a leave may have happened since.
            let now = state.withLock { s -> Bool in
                if s.inside < width {
                    s.inside += 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    public func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            // The slot passes straight to the first waiter; `inside` stays the same.
            if s.waiters.isEmpty {
                s.inside -= 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
