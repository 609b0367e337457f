import CSystemd
public import Logging
public import ServiceLifecycle

/// `sd_notify` for a `Type=notify` unit: READY=1, STATUS=..., STOPPING=1 and WATCHDOG=1.
/// Each call does nothing when the process was not started by systemd (no `NOTIFY_SOCKET`).
public struct SystemdNotifier: Sendable {
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

/// Pings systemd's watchdog at half the interval it asked for, for as long as the service
/// group runs. Does nothing when no watchdog was asked for.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration?
    let logger: Logger
    /// Checked before each ping: a ping means "healthy", so a wedged agent should stop pinging.
    let isHealthy: @Sendable () async -> Bool

    public init(notifier: SystemdNotifier = .init(), interval: Duration? = nil, logger: Logger,
                isHealthy: @escaping @Sendable () async -> Bool = { true }) {
        self.notifier = notifier
        self.interval = interval ?? notifier.watchdogInterval
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
            if await isHealthy() { notifier.watchdog() }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) }
            } catch {
                return
            }
        }
    }
}
