/// Where shipping of a container's output stands, saved after every accepted batch.
///
/// Docker's logs API can only be asked for entries stamped at or after a time (`since`,
/// inclusive), and returns them in the order they were written. The entries already shipped
/// form a prefix of that order, so asking from `since` and skipping the first `skip` entries
/// lands exactly after them, whatever their timestamps. `since` is set `window` before the
/// newest shipped entry so an entry of the other stream stamped a moment earlier but written
/// later is still returned.
public struct LogCursor: Sendable, Equatable, Codable {
    /// Nanoseconds since the epoch; 0 from the beginning.
    public var since: Int64
    /// Entries stamped at or after `since` that were shipped.
    public var skip: Int
    /// The timestamp of the first of them: when the first entry Docker returns is later, the
    /// entries in between were rotated out of Docker's log before they could be shipped.
    public var firstSkipped: Int64
    /// The newest shipped entry's timestamp.
    public var newest: Int64
    /// Events CloudWatch refused (too old, too new, expired) or that could not be sent.
    public var rejected: Int
    /// Times entries were found missing (rotated away) when reading resumed.
    public var gaps: Int
    /// Events shipped so far.
    public var shipped: Int
    /// The container stopped and all its output was shipped.
    public var finished: Bool

    public init(since: Int64 = 0, skip: Int = 0, firstSkipped: Int64 = 0, newest: Int64 = 0, rejected: Int = 0, gaps: Int = 0,
                shipped: Int = 0, finished: Bool = false) {
        self.since = since
        self.skip = skip
        self.firstSkipped = firstSkipped
        self.newest = newest
        self.rejected = rejected
        self.gaps = gaps
        self.shipped = shipped
        self.finished = finished
    }

    public static let start = LogCursor()
}

/// The entries read since reading (re)started, numbered; turns "accepted through entry n"
/// into the next `LogCursor`.
public struct CursorTracker {
    /// How far before the newest shipped entry reading resumes (nanoseconds).
    public let window: Int64
    /// (sequence number, timestamp) of entries read, oldest first; shipped ones older than the
    /// window are dropped from the front.
    private var entries: [(seq: Int, ts: Int64)] = []
    private var head = 0
    private var nextSeq = 0
    public private(set) var cursor: LogCursor
    private var committed = -1

    public init(resumingFrom cursor: LogCursor, window: Int64 = 1_000_000_000) {
        self.cursor = cursor
        self.window = window
    }

    /// Records an entry; returns its sequence number.
    public mutating func read(timestamp: Int64) -> Int {
        defer { nextSeq += 1 }
        entries.append((nextSeq, timestamp))
        return nextSeq
    }

    public var lastSeq: Int { nextSeq - 1 }

    /// Everything up to entry `seq` is shipped (`events` more events of it): the cursor to save.
    public mutating func commit(through seq: Int, events: Int, rejected: Int = 0) -> LogCursor {
        cursor.shipped += events
        cursor.rejected += rejected
        guard seq > committed else { return cursor }
        var i = head
        while i < entries.count, entries[i].seq <= seq {
            cursor.newest = max(cursor.newest, entries[i].ts)
            i += 1
        }
        committed = seq
        let since = max(0, cursor.newest - window)
        while head < entries.count, entries[head].seq <= committed, entries[head].ts < since { head += 1 }
        if head > 4096, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        var skip = 0
        var first: Int64?
        for e in entries[head...] where e.seq <= committed && e.ts >= since {
            skip += 1
            if first == nil { first = e.ts }
        }
        cursor.since = since
        cursor.skip = skip
        cursor.firstSkipped = first ?? since
        return cursor
    }

    public mutating func markFinished() -> LogCursor {
        cursor.finished = true
        return cursor
    }

    public mutating func countGap() { cursor.gaps += 1 }
}

/// Filters the entries Docker returns after a resume from `cursor`: the first `skip` were
/// shipped before. When the first returned entry is not the one expected, the ones between
/// were rotated away: a gap is reported, and entries no newer than the newest shipped one are
/// taken as shipped.
public struct ResumeFilter {
    public enum Verdict: Equatable { case shipped, gap, new }
    private var remaining: Int
    private let expectedFirst: Int64
    private let newest: Int64
    private var first = true
    private var afterGap = false

    public init(_ cursor: LogCursor) {
        remaining = cursor.skip
        expectedFirst = cursor.firstSkipped
        newest = cursor.newest
    }

    /// What the entry stamped `ts` is. `.gap` comes once, for the first entry after missing
    /// ones; it is itself new unless no newer than the newest shipped entry.
    public mutating func classify(_ ts: Int64) -> (Verdict, isNew: Bool) {
        defer { first = false }
        if first && remaining > 0 && ts != expectedFirst {
            remaining = 0
            afterGap = true
            return (.gap, ts > newest)
        }
        if remaining > 0 {
            remaining -= 1
            return (.shipped, false)
        }
        if afterGap && ts <= newest { return (.shipped, false) }
        afterGap = false
        return (.new, true)
    }
}
