import Foundation

/// Child processes a test started (ecs-local, ecs-agent) are killed when the test process
/// exits, even if the test's own cleanup never ran (a failure, a timeout): nothing outlives
/// the run.
public enum ChildReaper {
    nonisolated(unsafe) private static var pids: Set<Int32> = []
    private static let lock = NSLock()
    private static let installed: Void = { atexit { ChildReaper.killAll() } }()

    public static func register(_ pid: Int32) {
        _ = installed
        lock.withLock { _ = pids.insert(pid) }
    }

    public static func unregister(_ pid: Int32) {
        lock.withLock { _ = pids.remove(pid) }
    }

    static func killAll() {
        for pid in lock.withLock({ pids }) { kill(pid, SIGKILL) }
    }
}

/// Runs `body`, then `cleanup` (awaited) whether `body` threw or not.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}

/// Waits up to `limit` for a child to be seen exited. In a task of its own: in a cancelled
/// caller `Task.sleep` throws at once, and a loop on it would spin on the very dispatch threads
/// Foundation needs to notice the exit (seen: both of CI's threads pegged, children left as
/// zombies, the run hung).
public func waitForExit(_ process: Process, limit: Duration) async {
    struct Box: @unchecked Sendable { let process: Process }
    let box = Box(process: process)
    await Task.detached {
        let deadline = ContinuousClock.now + limit
        while box.process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }.value
}
