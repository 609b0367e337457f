public import Logging
public import ServiceLifecycle

/// Says when a burst of work is over: at the first quiet window after a window with activity.
/// `activity` is any counter that rises when work happens (the task board's generation).
public struct SettleWatch: Sendable {
    private var last: Int?
    private var active = false

    public init() {}

    /// One reading per window; true when a trim is due now.
    public mutating func observe(_ activity: Int) -> Bool {
        defer { last = activity }
        guard let last else { return false }
        if activity != last {
            active = true
            return false
        }
        if active {
            active = false
            return true
        }
        return false
    }
}

/// Trims the agent's code pages and malloc's free pages (`SettledPages.trim`) once a burst of
/// engine work has settled, checking every `window`.
public struct SettledPagesService: Service {
    let window: Duration
    let activity: @Sendable () -> Int
    let logger: Logger

    public init(window: Duration = .seconds(15), activity: @escaping @Sendable () -> Int, logger: Logger) {
        self.window = window
        self.activity = activity
        self.logger = logger
    }

    public func run() async throws {
        var watch = SettleWatch()
        _ = watch.observe(activity())
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: window) }
            } catch {
                return
            }
            guard watch.observe(activity()) else { continue }
            let outcome = SettledPages.trim()
            logger.info("pages of a finished burst returned to the kernel", metadata: [
                "rssBeforeKiB": "\(outcome.rssBeforeKiB ?? -1)", "rssAfterKiB": "\(outcome.rssAfterKiB ?? -1)",
            ])
        }
    }
}
