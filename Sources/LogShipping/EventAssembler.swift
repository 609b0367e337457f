/// A CloudWatch Logs event ready for a batch.
public struct LogEvent: Sendable, Equatable {
    /// Milliseconds since the epoch: the event's first line as Docker stamped it.
    public var timestamp: Int64
    public var message: String
    /// The highest entry sequence number such that this event and those before it hold every
    /// entry up to it: once the event's batch is accepted, the cursor may move there.
    public var through: Int

    public init(timestamp: Int64, message: String, through: Int) {
        self.timestamp = timestamp
        self.message = message
        self.through = through
    }

    /// Bytes the event counts for in a PutLogEvents batch.
    public var batchBytes: Int { message.utf8.count + LogLimits.perEventBytes }
}

/// CloudWatch Logs and Docker's awslogs driver limits (user-pain.md, PutLogEvents reference).
public enum LogLimits {
    public static let perEventBytes = 26
    public static let batchBytes = 1_048_576
    public static let batchEvents = 10_000
    /// Milliseconds one batch may span.
    public static let batchSpan: Int64 = 24 * 3600 * 1000
    /// Docker's driver splits longer lines here, so an event is never refused for its size.
    public static let eventBytes = 262_144 - perEventBytes
}

/// Turns entries into events as Docker's awslogs driver does: partial entries joined into
/// their line, lines joined into multi-line events when a pattern starts events (each line
/// then ends in `\n`), empty lines dropped, events longer than `LogLimits.eventBytes` split at
/// a UTF-8 boundary, invalid UTF-8 replaced by U+FFFD.
public struct EventAssembler {
    let startsEvent: Regex<AnyRegexOutput>?
    let maxEventBytes: Int

    private struct Pending {
        var firstSeq: Int
        var timestamp: Int64
        var bytes: [UInt8]
    }
    /// A line being assembled from partial entries, per stream.
    private var partial: [LogEntry.Stream: Pending] = [:]
    /// The multi-line event being assembled.
    private var multiline: Pending?

    public init(startsEvent: Regex<AnyRegexOutput>? = nil, maxEventBytes: Int = LogLimits.eventBytes) {
        self.startsEvent = startsEvent
        self.maxEventBytes = maxEventBytes
    }

    /// Feeds entry number `seq`; returns the events it completes.
    public mutating func push(_ entry: LogEntry, seq: Int) -> [LogEvent] {
        var line: Pending
        if var p = partial.removeValue(forKey: entry.stream) {
            p.bytes += entry.bytes
            line = p
        } else {
            line = Pending(firstSeq: seq, timestamp: entry.timestamp, bytes: entry.bytes)
        }
        guard entry.endsLine else {
            partial[entry.stream] = line
            return []
        }
        var out: [LogEvent] = []
        guard let startsEvent else {
            emit(line.bytes, timestamp: line.timestamp, lineFirstSeq: line.firstSeq, seq: seq, into: &out)
            return out
        }
        let text = String(decoding: line.bytes, as: UTF8.self)
        if (try? startsEvent.firstMatch(in: text)) != nil, let m = multiline {
            multiline = nil
            emit(m.bytes, timestamp: m.timestamp, lineFirstSeq: m.firstSeq, seq: line.firstSeq - 1, into: &out)
        }
        if let m = multiline, m.bytes.count + line.bytes.count > maxEventBytes {
            multiline = nil
            emit(m.bytes, timestamp: m.timestamp, lineFirstSeq: m.firstSeq, seq: line.firstSeq - 1, into: &out)
        }
        if multiline == nil { multiline = Pending(firstSeq: line.firstSeq, timestamp: line.timestamp, bytes: []) }
        multiline!.bytes += line.bytes
        multiline!.bytes.append(UInt8(ascii: "\n"))
        return out
    }

    /// Ends a multi-line event whose first line is older than `age` milliseconds at `now`
    /// (Docker's driver does this at each 5 s publish).
    public mutating func flush(olderThan age: Int64, now: Int64, lastSeq: Int) -> [LogEvent] {
        guard let m = multiline, now - m.timestamp / 1_000_000 > age || now < m.timestamp / 1_000_000 else { return [] }
        multiline = nil
        var out: [LogEvent] = []
        emit(m.bytes, timestamp: m.timestamp, lineFirstSeq: m.firstSeq, seq: lastSeq, into: &out)
        return out
    }

    /// The output ended: whatever is pending becomes events.
    public mutating func finish(lastSeq: Int) -> [LogEvent] {
        var out: [LogEvent] = []
        for stream in [LogEntry.Stream.stdout, .stderr] {
            guard let p = partial.removeValue(forKey: stream) else { continue }
            if startsEvent == nil {
                emit(p.bytes, timestamp: p.timestamp, lineFirstSeq: p.firstSeq, seq: lastSeq, into: &out)
            } else {
                out += push(LogEntry(timestamp: p.timestamp, stream: stream, bytes: [], endsLine: true), seq: lastSeq)
            }
        }
        if let m = multiline {
            multiline = nil
            emit(m.bytes, timestamp: m.timestamp, lineFirstSeq: m.firstSeq, seq: lastSeq, into: &out)
        }
        return out
    }

    /// The first sequence number still held back (nil when nothing is).
    var oldestPending: Int? {
        ([multiline?.firstSeq] + partial.values.map(\.firstSeq)).compactMap { $0 }.min()
    }

    private func emit(_ bytes: [UInt8], timestamp: Int64, lineFirstSeq: Int, seq: Int, into out: inout [LogEvent]) {
        guard !bytes.isEmpty else { return }
        let held = oldestPending.map { $0 - 1 } ?? Int.max
        let through = min(seq, held)
        let before = min(lineFirstSeq - 1, held)
        let ms = timestamp / 1_000_000
        let text = String(decoding: bytes, as: UTF8.self)
        let utf8 = Array(text.utf8)
        guard utf8.count > maxEventBytes else {
            out.append(LogEvent(timestamp: ms, message: text, through: through))
            return
        }
        // Parts but the last leave the cursor before the line: a restart ships it whole again.
        var start = 0
        while start < utf8.count {
            var end = min(utf8.count, start + maxEventBytes)
            while end < utf8.count, end > start, utf8[end] & 0xC0 == 0x80 { end -= 1 }
            let last = end == utf8.count
            out.append(LogEvent(timestamp: ms, message: String(decoding: utf8[start..<end], as: UTF8.self), through: last ? through : before))
            start = end
        }
    }
}

/// `awslogs-datetime-format` (strftime) as the regular expression Docker's driver builds from
/// it: anchored at the start of the line.
public enum DatetimeFormat {
    static let conversions: [Character: String] = [
        "a": "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
        "A": "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
        "w": "[0-6]",
        "d": "(?:0[1-9]|[1,2][0-9]|3[0,1])",
        "b": "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
        "B": "(?:January|February|March|April|May|June|July|August|September|October|November|December)",
        "m": "(?:0[1-9]|1[0-2])",
        "Y": "\\d{4}",
        "y": "\\d{2}",
        "H": "(?:[0,1][0-9]|2[0-3])",
        "I": "(?:0[0-9]|1[0-2])",
        "p": "[A,P]M",
        "M": "[0-5][0-9]",
        "S": "[0-5][0-9]",
        "f": "\\d{6}",
        "z": "[+-]\\d{4}",
        "Z": "[A-Z]{1,4}T",
        "j": "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])",
        "L": "\\.\\d{3}",
    ]

    public static func pattern(_ format: String) -> String {
        var out = "^"
        var percent = false
        for c in format {
            if percent {
                out += conversions[c] ?? "%\(c)"
                percent = false
            } else if c == "%" {
                percent = true
            } else {
                out.append(c)
            }
        }
        if percent { out += "%" }
        return out
    }
}
