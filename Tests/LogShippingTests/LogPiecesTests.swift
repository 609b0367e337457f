import ECSModel
@testable import LogShipping
import Testing

@Suite struct DockerTimestampTests {
    @Test func `Docker's fixed nanosecond timestamps parse to nanoseconds since the epoch`() {
        #expect(DockerTimestamp.parse(Array("2024-05-01T10:20:30.123456789Z".utf8)) == 1_714_558_830_123_456_789)
        #expect(DockerTimestamp.parse(Array("1970-01-01T00:00:00.000000001Z".utf8)) == 1)
    }

    @Test func `fewer fraction digits, no fraction and numeric offsets are read as RFC 3339`() {
        #expect(DockerTimestamp.parse(Array("2024-05-01T10:20:30.5Z".utf8)) == 1_714_558_830_500_000_000)
        #expect(DockerTimestamp.parse(Array("2024-05-01T10:20:30Z".utf8)) == 1_714_558_830_000_000_000)
        #expect(DockerTimestamp.parse(Array("2024-05-01T12:20:30+02:00".utf8)) == 1_714_558_830_000_000_000)
    }

    @Test func `text that is not a timestamp is refused`() {
        for bad in ["", "hello world", "2024-13-01T00:00:00Z", "2024-05-01T10:20:30", "2024-05-01T10:20:30.Z", "2024-05-01T10:20:30Zjunk"] {
            #expect(DockerTimestamp.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func `the since parameter is seconds and nine digits of nanoseconds`() {
        #expect(DockerTimestamp.sinceParameter(1_714_558_830_000_000_042) == "1714558830.000000042")
        #expect(DockerTimestamp.sinceParameter(0) == "0.000000000")
    }

    @Test func `an entry keeps its line without the newline and knows a partial entry`() {
        let full = LogEntry.parse(Array("2024-05-01T10:20:30.000000001Z hello world\n".utf8), stream: .stderr)
        #expect(full == LogEntry(timestamp: 1_714_558_830_000_000_001, stream: .stderr, bytes: Array("hello world".utf8), endsLine: true))
        let partial = LogEntry.parse(Array("2024-05-01T10:20:30.000000001Z abc".utf8), stream: .stdout)
        #expect(partial?.endsLine == false)
        #expect(LogEntry.parse(Array("garbage".utf8), stream: .stdout) == nil)
    }
}

func entry(_ ms: Int64, _ text: String, stream: LogEntry.Stream = .stdout, ends: Bool = true) -> LogEntry {
    LogEntry(timestamp: ms * 1_000_000, stream: stream, bytes: Array(text.utf8), endsLine: ends)
}

@Suite struct EventAssemblerTests {
    @Test func `each line is an event stamped with its milliseconds, and empty lines are dropped`() {
        var a = EventAssembler()
        #expect(a.push(entry(1000, "one"), seq: 0) == [LogEvent(timestamp: 1000, message: "one", through: 0)])
        #expect(a.push(entry(1001, ""), seq: 1) == [])
        #expect(a.push(entry(1002, "three"), seq: 2) == [LogEvent(timestamp: 1002, message: "three", through: 2)])
    }

    @Test func `partial entries are joined into their line, and the other stream's lines do not pass the held cursor`() {
        var a = EventAssembler()
        #expect(a.push(entry(1000, "abc", ends: false), seq: 0) == [])
        // A stderr line completes while stdout's line is held: the cursor may not pass entry 0.
        #expect(a.push(entry(1001, "err", stream: .stderr), seq: 1) == [LogEvent(timestamp: 1001, message: "err", through: -1)])
        #expect(a.push(entry(1002, "def"), seq: 2) == [LogEvent(timestamp: 1000, message: "abcdef", through: 2)])
    }

    @Test func `invalid UTF-8 becomes the replacement character`() {
        var a = EventAssembler()
        let e = LogEntry(timestamp: 0, bytes: [0x61, 0xFF, 0x62])
        #expect(a.push(e, seq: 0).first?.message == "a\u{FFFD}b")
    }

    @Test func `an oversized line is split at a UTF-8 boundary, and only its last part moves the cursor past it`() {
        var a = EventAssembler(maxEventBytes: 10)
        // 4 × "é" (2 bytes) + "abcdefgh": 16 bytes.
        let events = a.push(entry(5, "ééééabcdefgh"), seq: 7)
        #expect(events.map(\.message) == ["ééééab", "cdefgh"])
        #expect(events.map(\.through) == [6, 7])
        #expect(events.allSatisfy { $0.message.utf8.count <= 10 })
        let three = a.push(entry(6, "€€€€"), seq: 8)   // 3-byte characters: 9 + 3
        #expect(three.map(\.message) == ["€€€", "€"])
    }

    @Test func `a multi-line pattern starts events, and the lines in between join with newlines`() throws {
        var a = EventAssembler(startsEvent: try Regex("^INFO|^ERROR"))
        #expect(a.push(entry(1, "ERROR boom"), seq: 0) == [])
        #expect(a.push(entry(2, "  at frame 1"), seq: 1) == [])
        #expect(a.push(entry(3, "  at frame 2"), seq: 2) == [])
        let next = a.push(entry(4, "INFO next"), seq: 3)
        #expect(next == [LogEvent(timestamp: 1, message: "ERROR boom\n  at frame 1\n  at frame 2\n", through: 2)])
        #expect(a.finish(lastSeq: 3) == [LogEvent(timestamp: 4, message: "INFO next\n", through: 3)])
    }

    @Test func `a pending multi-line event is sent once it is older than the publish interval`() throws {
        var a = EventAssembler(startsEvent: try Regex("^START"))
        _ = a.push(entry(1000, "START"), seq: 0)
        #expect(a.flush(olderThan: 5000, now: 4000, lastSeq: 0) == [])
        #expect(a.flush(olderThan: 5000, now: 6001, lastSeq: 0) == [LogEvent(timestamp: 1000, message: "START\n", through: 0)])
    }

    @Test func `a datetime format becomes Docker's anchored pattern`() throws {
        let pattern = DatetimeFormat.pattern("%Y-%m-%d %H:%M:%S")
        #expect(pattern == #"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[1,2][0-9]|3[0,1]) (?:[0,1][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"#)
        var a = EventAssembler(startsEvent: try Regex(pattern))
        _ = a.push(entry(1, "2024-05-01 10:20:30 first"), seq: 0)
        _ = a.push(entry(2, "continued 2024-05-01 10:20:31"), seq: 1)
        #expect(a.push(entry(3, "2024-05-01 10:20:32 second"), seq: 2).map(\.message) == ["2024-05-01 10:20:30 first\ncontinued 2024-05-01 10:20:31\n"])
    }
}

@Suite struct BatchBuilderTests {
    @Test func `a batch closes at ten thousand events`() {
        var b = BatchBuilder()
        var closed: [LogBatch] = []
        for i in 0..<10_001 { if let batch = b.add(LogEvent(timestamp: 1, message: "x", through: i)) { closed.append(batch) } }
        #expect(closed.count == 1)
        #expect(closed[0].events.count == 10_000)
        #expect(closed[0].through == 9_999)
        #expect(b.count == 1)
    }

    @Test func `a batch never exceeds 1,048,576 bytes counting 26 per event`() {
        var b = BatchBuilder()
        let message = String(repeating: "a", count: 100_000 - 26)
        var closed: [LogBatch] = []
        for i in 0..<11 { if let batch = b.add(LogEvent(timestamp: 1, message: message, through: i)) { closed.append(batch) } }
        #expect(closed.count == 1)
        #expect(closed[0].events.count == 10)
        #expect(closed[0].bytes == 1_000_000)
    }

    @Test func `a batch spans at most 24 hours`() {
        var b = BatchBuilder()
        #expect(b.add(LogEvent(timestamp: 0, message: "a", through: 0)) == nil)
        let closed = b.add(LogEvent(timestamp: LogLimits.batchSpan + 1, message: "b", through: 1))
        #expect(closed?.events.map(\.message) == ["a"])
    }

    @Test func `events are sorted by time, equal times keeping their order`() {
        var b = BatchBuilder()
        for (i, (ts, m)) in [(5, "a"), (3, "b"), (5, "c"), (3, "d")].enumerated() { _ = b.add(LogEvent(timestamp: Int64(ts), message: m, through: i)) }
        let batch = b.drain()
        #expect(batch?.events.map(\.message) == ["b", "d", "a", "c"])
        #expect(batch?.through == 3)
        #expect(b.drain() == nil)
    }
}

@Suite struct PutLogEventsBodyTests {
    @Test func `the body escapes what JSON needs and nothing else`() {
        let body = CloudWatchLogsClient.putBody(group: "g", stream: "s/1", events: [
            LogEvent(timestamp: 7, message: "a\"b\\c\nd\te\u{01}é€", through: 0),
        ])
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"logEvents":[{"message":"a\"b\\c\nd\te\u0001é€","timestamp":7}],"logGroupName":"g","logStreamName":"s/1"}"#)
        #expect(JSONValue.parse(body)?["logEvents"]?.arrayValue?.first?["message"]?.stringValue == "a\"b\\c\nd\te\u{01}é€")
    }

    @Test func `refused events are counted from the rejected events information`() {
        #expect(CloudWatchLogsClient.rejectedCount(nil, total: 10) == 0)
        #expect(CloudWatchLogsClient.rejectedCount(["tooOldLogEventEndIndex": 2], total: 10) == 3)
        #expect(CloudWatchLogsClient.rejectedCount(["tooOldLogEventEndIndex": 2, "expiredLogEventEndIndex": 4, "tooNewLogEventStartIndex": 8], total: 10) == 7)
    }
}

@Suite struct AwslogsOptionsTests {
    @Test func `the stream is prefix, container name and task ID, or the Docker ID without a prefix`() throws {
        let arn = "arn:aws:ecs:us-west-2:1:task/c/0123abcd"
        #expect(try AwslogsOptions(["awslogs-group": "g", "awslogs-stream-prefix": "web"]).stream(containerName: "app", taskArn: arn, dockerID: "d1") == "web/app/0123abcd")
        #expect(try AwslogsOptions(["awslogs-group": "g"]).stream(containerName: "app", taskArn: arn, dockerID: "d1") == "d1")
        #expect(try AwslogsOptions(["awslogs-group": "g", "awslogs-stream": "mine", "awslogs-stream-prefix": "p"]).stream(containerName: "app", taskArn: arn, dockerID: "d1") == "mine")
    }

    @Test func `a missing group, an unknown option, both multi-line options or a bad pattern name the problem`() {
        #expect(throws: AwslogsOptionsError("must specify a value for log opt 'awslogs-group'")) { try AwslogsOptions([:]) }
        #expect(throws: AwslogsOptionsError("unknown log opt 'awslogs-grup' for awslogs log driver")) { try AwslogsOptions(["awslogs-group": "g", "awslogs-grup": "x"]) }
        #expect(throws: AwslogsOptionsError.self) { try AwslogsOptions(["awslogs-group": "g", "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"]) }
        #expect(throws: AwslogsOptionsError.self) { try AwslogsOptions(["awslogs-group": "g", "awslogs-multiline-pattern": "(unclosed"]) }
        #expect(throws: AwslogsOptionsError.self) { try AwslogsOptions(["awslogs-group": "g", "awslogs-create-group": "yes please"]) }
        #expect((try? AwslogsOptions(["awslogs-group": "g", "awslogs-create-group": "true"]))?.createGroup == true)
    }
}

@Suite struct DuplicateFilterTests {
    @Test func `entries Docker replays after a rotation are dropped, new ones and parts of one line are kept`() {
        var f = DuplicateFilter()
        var verdicts: [Bool] = []
        for e in [entry(1, "a"), entry(2, "b"), entry(3, "c"),
                  entry(2, "b"), entry(3, "c"),                              // a replayed run
                  entry(4, "d"),
                  entry(5, "part1", ends: false), entry(5, "part2"),         // parts of one long line share their stamp
                  entry(2, "b", stream: .stderr)] {                          // the other stream has its own history
            verdicts.append(f.isDuplicate(e, now: 1_000_000_000_000))
        }
        #expect(verdicts == [false, false, false, true, true, false, false, false, false])
        #expect(f.dropped == 2)
    }

    @Test func `the identical 16 KiB parts of one long line are all kept`() {
        var f = DuplicateFilter()
        let chunk = String(repeating: "x", count: 16_384)
        var verdicts: [Bool] = []
        for e in [entry(7, chunk, ends: false), entry(7, chunk, ends: false), entry(7, chunk, ends: false), entry(7, "xx")] {
            verdicts.append(f.isDuplicate(e, now: 1_000_000_000_000))
        }
        #expect(verdicts == [false, false, false, false])
        let again = f.isDuplicate(entry(7, "xx"), now: 1_000_000_000_000)
        #expect(again, "the line again after it ended is a replay")
    }

    @Test func `a clock stepped back keeps every line`() {
        var f = DuplicateFilter()
        var verdicts: [Bool] = []
        // Stamps in ms: the clock was at 1.01 s, then stepped back to 0.5 s.
        for i in 0..<10 { verdicts.append(f.isDuplicate(entry(1000 + Int64(i), "x\(i)"), now: (1000 + Int64(i)) * 1_000_000)) }
        for i in 0..<10 { verdicts.append(f.isDuplicate(entry(500 + Int64(i), "y\(i)"), now: (500 + Int64(i)) * 1_000_000)) }
        #expect(verdicts == Array(repeating: false, count: 20), "stamped earlier, never seen, while the clock is behind")
        #expect(f.keptOutOfOrder == 10)
    }

    @Test func `a replay longer than the memory is still dropped`() {
        var f = DuplicateFilter()
        let lines = (0..<10_000).map { entry(Int64($0), "l\($0)") }
        let now: Int64 = 20_000 * 1_000_000
        var kept = 0
        for e in lines + lines + [entry(10_000, "new")] where !f.isDuplicate(e, now: now) { kept += 1 }
        #expect(kept == 10_001)
        #expect(f.dropped == 10_000)
    }
}
