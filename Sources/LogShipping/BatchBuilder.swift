/// A PutLogEvents call's worth of events, in chronological order.
public struct LogBatch: Sendable, Equatable {
    public var events: [LogEvent]
    /// Where the cursor may move once the batch is accepted.
    public var through: Int
    public var bytes: Int
}

/// Collects events into batches within the service limits: at most `LogLimits.batchEvents`
/// events and `LogLimits.batchBytes` bytes (26 per event counted), spanning at most 24 hours.
/// A batch is sorted by timestamp, stable, as Docker's driver sorts it: stdout and stderr
/// are stamped by separate readers and can be out of order by a hair.
public struct BatchBuilder {
    public let maxBytes: Int
    public let maxEvents: Int
    private(set) var events: [LogEvent] = []
    private var bytes = 0
    private var oldest = Int64.max, newest = Int64.min
    /// When the first event of the open batch arrived (for the publish interval).
    public private(set) var openedAt: ContinuousClock.Instant?

    public init(maxBytes: Int = LogLimits.batchBytes, maxEvents: Int = LogLimits.batchEvents) {
        self.maxBytes = maxBytes
        self.maxEvents = maxEvents
    }

    public var isEmpty: Bool { events.isEmpty }
    public var count: Int { events.count }

    /// Adds `event`; returns the batch it closed when it did not fit.
    public mutating func add(_ event: LogEvent, now: ContinuousClock.Instant = .now) -> LogBatch? {
        var closed: LogBatch?
        let size = event.batchBytes
        if !events.isEmpty && (events.count >= maxEvents || bytes + size > maxBytes
            || max(newest, event.timestamp) - min(oldest, event.timestamp) > LogLimits.batchSpan) {
            closed = drain()
        }
        if events.isEmpty { openedAt = now }
        events.append(event)
        bytes += size
        oldest = min(oldest, event.timestamp)
        newest = max(newest, event.timestamp)
        if events.count >= maxEvents || bytes >= maxBytes, closed == nil { closed = drain() }
        return closed
    }

    /// The open batch, closed now; nil when empty.
    public mutating func drain() -> LogBatch? {
        guard let last = events.last else { return nil }
        // Stable: equal timestamps keep their order (Swift's sort is not documented stable).
        let inOrder = zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }
        let sorted = inOrder ? events : events.enumerated().sorted { a, b in
            a.element.timestamp != b.element.timestamp ? a.element.timestamp < b.element.timestamp : a.offset < b.offset
        }.map(\.element)
        let batch = LogBatch(events: sorted, through: last.through, bytes: bytes)
        events.removeAll(keepingCapacity: true)
        bytes = 0
        oldest = .max
        newest = .min
        openedAt = nil
        return batch
    }
}
