/// Exponential backoff with jitter: each failure multiplies the delay by `multiplier` up to
/// `maximum`, and each delay is stretched by a random `0...jitter` fraction, so a fleet of agents
/// that lost the same endpoint does not come back in lock-step.
public struct Backoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    public let multiplier: Double
    public let jitter: Double
    private var current: Duration

    public init(initial: Duration, maximum: Duration, multiplier: Double, jitter: Double) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && (0...1).contains(jitter))
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
        self.current = initial
    }

    /// The delay before the next attempt; advances the schedule.
    public mutating func next(using generator: inout some RandomNumberGenerator) -> Duration {
        let base = current
        current = min(maximum, base * multiplier)
        let stretched = base * (1 + Double.random(in: 0...jitter, using: &generator))
        return min(stretched, maximum * (1 + jitter))
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    public mutating func reset() { current = initial }

    /// The longest delay `next()` can return.
    public var bound: Duration { maximum * (1 + jitter) }
}

extension Duration {
    /// Seconds as a Double (for logs and arithmetic with Date).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    /// Seconds with two decimals ("1.25"), for log lines; no String(format:), which is
    /// full Foundation only.
    public var secondsText: String {
        let hundredths = (seconds * 100).rounded()
        let whole = Int(hundredths / 100)
        let fraction = Int(abs(hundredths).truncatingRemainder(dividingBy: 100))
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
