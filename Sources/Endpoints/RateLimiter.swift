import Synchronization

/// A token bucket per key (`<client IP>|<path>`, endpoints.md §3.1): `rate` tokens a second up
/// to `burst`, as golang.org/x/time/rate (ECS_TASK_METADATA_RPS_LIMIT, default 40,60).
public final class RateLimiter: Sendable {
    public let rate: Double
    public let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    /// Buckets idle long enough to be full again are forgotten past this many keys.
    private static let sweepAbove = 4096

    struct Bucket {
        var tokens: Double
        var at: Double
    }

    public init(rate: Double, burst: Int) {
        self.rate = rate > 0 ? rate : 40
        self.burst = Double(burst > 0 ? burst : 60)
    }

    /// `X-Rate-Limit-Limit`: the steady rate with two decimals (`40.00`).
    public var limitText: String {
        let hundredths = Int64((rate * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Takes a token for `key` at `now` (seconds); false when the bucket is empty.
    public func allow(key: String, now: Double) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, at: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.at) * rate)
            bucket.at = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > Self.sweepAbove {
                let full = burst / rate
                buckets = buckets.filter { now - $0.value.at < full }
            }
            return allowed
        }
    }
}
