import CSystemd
public import Logging
public import ServiceLifecycle

/// `sd_notify` for a `Type=notify` unit: READY=1, STATUS=..., STOPPING=1 and WATCHDOG=1.
/// Each call does nothing when the process was not started by systemd (no `NOTIFY_SOCKET`).
public struct SystemdNotifier: WatchdogPinging {
    public init() {}

    /// Returns whether systemd received the message (false when not under systemd).
    @discardableResult
    public func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    @discardableResult public func ready(status: String? = nil) -> Bool {
        notify(status.map { "READY=1\nSTATUS=\(Self.clean($0))" } ?? "READY=1")
    }

    @discardableResult public func status(_ text: String) -> Bool { notify("STATUS=\(Self.clean(text))") }
    @discardableResult public func stopping() -> Bool { notify("STOPPING=1") }
    @discardableResult public func watchdog() -> Bool { notify("WATCHDOG=1") }

    /// The watchdog interval systemd asked for (`WatchdogSec=`), or nil when it asked for none.
    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    /// STATUS= is one line.
    static func clean(_ text: String) -> String {
        String(text.map { $0 == "\n" ? " " : $0 })
    }
}

/// What the watchdog service needs of systemd: one ping.
public protocol WatchdogPinging: Sendable {
    @discardableResult func watchdog() -> Bool
}

/// Pings systemd's watchdog at half the interval it asked for, for as long as the service
/// group runs, and only after a health check passed: the check goes through the agent's own
/// work (the task engine's actor, the state store), so a wedged agent stops pinging and
/// systemd restarts it, where a bare timer would keep pinging forever. A check that does not
/// answer within half the interval counts as failed. Does nothing when no watchdog was asked for.
public struct WatchdogService: Service {
    let notifier: any WatchdogPinging
    let interval: Duration?
    let logger: Logger
    let isHealthy: @Sendable () async -> Bool

    public init(notifier: any WatchdogPinging = SystemdNotifier(), interval: Duration? = nil, logger: Logger,
                isHealthy: @escaping @Sendable () async -> Bool = { true }) {
        self.notifier = notifier
        self.interval = interval ?? SystemdNotifier().watchdogInterval
        self.logger = logger
        self.isHealthy = isHealthy
    }

    public func run() async throws {
        guard let interval else {
            try? await gracefulShutdown()
            return
        }
        logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            switch await Self.check(isHealthy, within: interval / 2) {
            case .healthy:
                notifier.watchdog()
            case .unhealthy:
                logger.warning("health check failed: not pinging the systemd watchdog")
            case .timedOut:
                logger.error("health check did not answer in time: not pinging the systemd watchdog", metadata: ["deadline": "\(interval / 2)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) }
            } catch {
                return
            }
        }
    }

    enum Outcome: Equatable { case healthy, unhealthy, timedOut }

    /// The check raced against a deadline. A check that hangs is left behind (it cannot be
    /// cancelled from outside); the next round starts a new one.
    static func check(_ isHealthy: @escaping @Sendable () async -> Bool, within deadline: Duration) async -> Outcome {
        let (stream, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let checking = Task { continuation.yield(await isHealthy() ? .healthy : .unhealthy) }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            continuation.yield(.timedOut)
        }
        var outcome = Outcome.timedOut
        for await first in stream {
            outcome = first
            break
        }
        timer.cancel()
        _ = checking
        continuation.finish()
        return outcome
    }
}
