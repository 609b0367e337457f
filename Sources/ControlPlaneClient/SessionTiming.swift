public import AWSSupport

/// The timers of one websocket session kind (protocol.md §3.3), overridable for tests.
public struct SessionTiming: Sendable {
    /// No message for `heartbeatTimeout + rand[0, heartbeatJitter)` closes the connection.
    public var heartbeatTimeout: Duration
    public var heartbeatJitter: Duration
    /// Proactive reconnect `recycle + rand[0, recycleJitter)` after connecting.
    public var recycle: Duration
    public var recycleJitter: Duration
    public var backoff: Backoff
    /// A connection that lasted this long resets the backoff.
    public var resetBackoffAfter: Duration
    /// Wait before retrying when the control plane calls the instance inactive.
    public var inactiveRetry: Duration

    public init(heartbeatTimeout: Duration, heartbeatJitter: Duration, recycle: Duration, recycleJitter: Duration,
                backoff: Backoff, resetBackoffAfter: Duration, inactiveRetry: Duration) {
        self.heartbeatTimeout = heartbeatTimeout
        self.heartbeatJitter = heartbeatJitter
        self.recycle = recycle
        self.recycleJitter = recycleJitter
        self.backoff = backoff
        self.resetBackoffAfter = resetBackoffAfter
        self.inactiveRetry = inactiveRetry
    }

    /// ACS: the Go agent's timers, except the backoff cap: 30 s instead of 2 min, so an agent is
    /// back within seconds of its control plane (user-pain.md §6).
    public static let acs = SessionTiming(
        heartbeatTimeout: .seconds(60), heartbeatJitter: .seconds(60), recycle: .seconds(30 * 60), recycleJitter: .seconds(5 * 60),
        backoff: Backoff(initial: .milliseconds(250), maximum: .seconds(30), multiplier: 1.5, jitter: 0.2),
        resetBackoffAfter: .seconds(60), inactiveRetry: .seconds(3600))

    /// TCS: 1 s → 1 min, ×2, 20 % jitter, as the Go agent.
    public static let tcs = SessionTiming(
        heartbeatTimeout: .seconds(60), heartbeatJitter: .seconds(60), recycle: .seconds(30 * 60), recycleJitter: .seconds(5 * 60),
        backoff: Backoff(initial: .seconds(1), maximum: .seconds(60), multiplier: 2, jitter: 0.2),
        resetBackoffAfter: .seconds(60), inactiveRetry: .seconds(3600))

    func jittered(_ base: Duration, _ jitter: Duration) -> Duration {
        jitter > .zero ? base + jitter * Double.random(in: 0..<1) : base
    }
}

/// Thrown inside a connection when no message arrived in time.
struct HeartbeatTimeout: Error, CustomStringConvertible {
    var after: Duration
    var description: String { "no message for \(Int(after.seconds)) s" }
}
