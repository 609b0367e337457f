import AWSSupport
import ECSModel
import Logging
@testable import LogShipping
import ServiceLifecycle
import Testing

@Suite struct CursorTests {
    /// Docker's order of writes with stamps that can run a little backwards across streams;
    /// shipping stops after a random prefix and resumes the way the shipper does: every entry
    /// is shipped exactly once.
    @Test func `resuming from the cursor skips exactly the shipped entries, whatever the stamps`() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            var ts: Int64 = 1_000_000_000_000
            var stamps: [Int64] = []
            for _ in 0..<Int.random(in: 1...300, using: &generator) {
                ts += Int64.random(in: 0...3, using: &generator) * 100_000
                // The other stream's reader stamped it up to 0.3 ms earlier.
                stamps.append(ts - (Bool.random(using: &generator) ? Int64.random(in: 0...300_000, using: &generator) : 0))
            }
            var shipped: [Int] = []   // indices into stamps
            var cursor = LogCursor.start
            while shipped.count < stamps.count {
                // Docker: entries stamped at or after `since`, in written order.
                let returned = stamps.indices.filter { stamps[$0] >= cursor.since }
                var filter = ResumeFilter(cursor)
                var tracker = CursorTracker(resumingFrom: cursor, window: 1_000_000)
                var fresh: [Int] = []
                var seqOf: [Int: Int] = [:]
                for i in returned {
                    let (verdict, isNew) = filter.classify(stamps[i])
                    #expect(verdict != .gap)
                    seqOf[i] = tracker.read(timestamp: stamps[i])
                    if isNew { fresh.append(i) }
                }
                let take = Int.random(in: 1...max(1, fresh.count), using: &generator)
                let batch = fresh.prefix(take)
                shipped += batch
                cursor = tracker.commit(through: seqOf[batch.last!]!, events: batch.count)
            }
            #expect(shipped == Array(stamps.indices))
        }
    }

    @Test func `entries rotated away before a resume are reported as a gap and the rest is shipped`() {
        var tracker = CursorTracker(resumingFrom: .start, window: 10)
        for t in [100, 200, 300] as [Int64] { _ = tracker.read(timestamp: t) }
        let cursor = tracker.commit(through: 2, events: 3)
        #expect(cursor.skip == 1 && cursor.firstSkipped == 300)
        // Docker now starts at 500: 300 and whatever followed it are gone.
        var filter = ResumeFilter(cursor)
        #expect(filter.classify(500) == (.gap, true))
        #expect(filter.classify(600) == (.new, true))
    }
}

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ShipperTests {
    static let taskArn = "arn:aws:ecs:us-west-2:1:task/c/0123abcd"

    static func target(_ options: [String: String] = ["awslogs-group": "g", "awslogs-stream-prefix": "p", "awslogs-create-group": "true"]) throws -> ShippingTarget {
        ShippingTarget(containerID: "c1", containerName: "app", taskArn: taskArn, options: try AwslogsOptions(options), region: "us-west-2", endpoint: "http://127.0.0.1:1")
    }

    static var fast: ShippingSettings {
        var s = ShippingSettings()
        s.publishInterval = .milliseconds(50)
        s.retry = Backoff(initial: .milliseconds(1), maximum: .milliseconds(10), multiplier: 2, jitter: 0)
        s.refusedRetry = s.retry
        s.readAhead = 64 << 10
        return s
    }

    static func lines(_ range: Range<Int>, start: Int64 = 1_700_000_000_000) -> [LogEntry] {
        range.map { i in LogEntry(timestamp: (start + Int64(i)) * 1_000_000 + Int64(i % 7), stream: i % 5 == 0 ? .stderr : .stdout, bytes: Array("line \(i)".utf8)) }
    }

    /// Runs the service until `body` returns, then stops it.
    static func withService(source: FakeLogSource, store: MemoryCursorStore, settings: ShippingSettings = fast,
                            _ body: (LogShippingService) async throws -> Void) async throws {
        let service = LogShippingService(source: source, store: store, settings: settings, logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        do {
            try await body(service)
        } catch {
            running.cancel()
            _ = try? await running.value
            throw error
        }
        // Stopped for good before the caller goes on (a "restarted" agent must not overlap it).
        running.cancel()
        _ = try? await running.value
    }

    static func waitIdle(_ service: LogShippingService, seconds: Double = 120) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        try await Task.sleep(for: .milliseconds(20))
        while service.statuses().contains(where: \.running) {
            guard ContinuousClock.now < deadline else { Issue.record("shipping did not finish"); return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func `every line arrives once, in order, in the documented stream, and the group is created`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI()
        source.append(Self.lines(0..<25_000))
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
            let status = try #require(service.statuses().first)
            #expect(status.cursor.shipped == 25_000)
            #expect(status.stream == "p/app/0123abcd")
        }
        #expect(api.groups == ["g"])
        #expect(sameLines(api.events("g", "p/app/0123abcd").map(\.message), (0..<25_000).map { "line \($0)" }))
        #expect(api.puts >= 3)
    }

    @Test func `entries Docker replays at a rotation are shipped once`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.appendWithReplay(Self.lines(0..<5_000), replayed: 1_300)
        source.appendWithReplay(Self.lines(5_000..<9_000), replayed: 500)
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
        }
        #expect(sameLines(api.events("g", "p/app/0123abcd").map(\.message), (0..<9_000).map { "line \($0)" }))
    }

    @Test func `an outage delays shipping and loses nothing`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        api.fail(.transient("ServiceUnavailable"), times: 25)
        source.append(Self.lines(0..<3_000))
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Task.sleep(for: .milliseconds(100))
            source.append(Self.lines(3_000..<6_000))
            source.end()
            try await Self.waitIdle(service)
        }
        #expect(sameLines(api.events("g", "p/app/0123abcd").map(\.message), (0..<6_000).map { "line \($0)" }))
    }

    @Test func `a broken read resumes from the cursor without loss or duplicates`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append(Self.lines(0..<15_000))
        source.failNextFollow(after: 12_345)
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
        }
        #expect(source.follows == 2)
        #expect(sameLines(api.events("g", "p/app/0123abcd").map(\.message), (0..<15_000).map { "line \($0)" }))
    }

    @Test func `a restart of the agent resumes from the saved cursor: nothing lost, at most a batch again`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append(Self.lines(0..<40_000))
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            while api.events("g", "p/app/0123abcd").count < 15_000 { try await Task.sleep(for: .milliseconds(1)) }
        }
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
        }
        let got = api.events("g", "p/app/0123abcd").map(\.message)
        #expect(Set(got).count == 40_000 && Set(got) == Set((0..<40_000).map { "line \($0)" }), "\(Set(got).count) distinct lines")
        #expect(got.count - 40_000 <= LogLimits.batchEvents)
    }

    @Test func `a missing group without awslogs-create-group is retried, not created, and shipping starts once it exists`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI()
        source.append(Self.lines(0..<10))
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(["awslogs-group": "g", "awslogs-stream": "s"]), api: api)
            let deadline = ContinuousClock.now + .seconds(60)
            while service.statuses().first?.lastError == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(api.events("g", "s").isEmpty)
            #expect(service.statuses().first?.lastError?.contains("awslogs-create-group") == true)
            try await api.createLogGroup("g")
            try await Self.waitIdle(service)
        }
        #expect(api.groups == ["g"])
        #expect(api.events("g", "s").count == 10)
    }

    @Test func `lines rotated away while the agent was down are counted as a gap`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append(Self.lines(0..<100))
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            while api.events("g", "p/app/0123abcd").count < 100 { try await Task.sleep(for: .milliseconds(1)) }
        }
        source.append(Self.lines(100..<200))
        source.rotateAway(150)
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
            #expect(service.statuses().first?.cursor.gaps == 1)
        }
        #expect(sameLines(api.events("g", "p/app/0123abcd").map(\.message), (0..<100).map { "line \($0)" } + (150..<200).map { "line \($0)" }))
    }

    @Test func `during an outage the read is given up, so lines rotated away meanwhile are found as a gap`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append(Self.lines(0..<1_000))
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            while api.events("g", "p/app/0123abcd").count < 1_000 { try await Task.sleep(for: .milliseconds(1)) }
            api.fail(.transient("down"))
            let puts = api.puts
            source.append(Self.lines(1_000..<1_100))
            while api.puts <= puts { try await Task.sleep(for: .milliseconds(1)) }
            // More output, and Docker's files rotate past the cursor while CloudWatch is away.
            source.append(Self.lines(1_100..<3_000))
            source.rotateAway(2_000)
            source.end()
            api.fail(nil)
            try await Self.waitIdle(service)
            #expect(service.statuses().first?.cursor.gaps == 1)
        }
        let got = api.events("g", "p/app/0123abcd").map(\.message)
        // The batch in flight at the failure is sent once it is accepted; what Docker still
        // holds after it follows; the rest is the gap.
        #expect(Array(got.prefix(1_000)) == (0..<1_000).map { "line \($0)" })
        #expect(sameLines(got, (0..<1_100).map { "line \($0)" } + (2_000..<3_000).map { "line \($0)" }))
        #expect(Set(got).count == got.count, "no duplicates")
        #expect(source.follows >= 2, "the read was given up and opened again")
    }

    @Test func `a container removed behind the agent's back ends its shipping instead of retrying forever`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append(Self.lines(0..<10))
        source.failNextFollow(after: 10)
        source.remove()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
            #expect(service.statuses().first?.running == false)
        }
    }

    @Test func `events CloudWatch refuses are counted as rejected`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        api.state.withLock { $0.rejectOldest = 3 }
        source.append(Self.lines(0..<10))
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            try await Self.waitIdle(service)
            #expect(service.statuses().first?.cursor.rejected == 3)
            #expect(service.statuses().first?.cursor.shipped == 7)
        }
    }

    @Test func `multi-line events are joined and a quiet container's pending event is sent after the interval`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        source.append([entry(1, "ERROR a"), entry(2, " at 1"), entry(3, "ERROR b"), entry(4, " at 2")])
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(["awslogs-group": "g", "awslogs-stream": "s", "awslogs-multiline-pattern": "^ERROR"]), api: api)
            let deadline = ContinuousClock.now + .seconds(60)
            while api.events("g", "s").count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            source.end()
        }
        #expect(sameLines(api.events("g", "s").map(\.message), ["ERROR a\n at 1\n", "ERROR b\n at 2\n"]))
    }

    @Test func `a container removed while shipping waits at most the limit`() async throws {
        let source = FakeLogSource(), store = MemoryCursorStore(), api = FakeLogsAPI(groups: ["g"])
        api.fail(.transient("down"))
        source.append(Self.lines(0..<10))
        source.end()
        try await Self.withService(source: source, store: store) { service in
            service.follow(try Self.target(), api: api)
            let started = ContinuousClock.now
            await service.finished(containerID: "c1", limit: .milliseconds(300))
            // Bounded by the limit (plus scheduling on a loaded machine), not by the outage.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(service.statuses().isEmpty)
        }
        #expect(await store.loadCursor("c1") == nil)
    }
}

/// Equal, or a short description of the first difference (a failed #expect on 40,000 lines
/// would print them all).
func sameLines(_ got: [String], _ expected: [String]) -> Bool {
    guard got != expected else { return true }
    let i = (0..<min(got.count, expected.count)).first { got[$0] != expected[$0] } ?? min(got.count, expected.count)
    Issue.record("\(got.count) lines, expected \(expected.count); first difference at \(i): \(i < got.count ? got[i] : "-") vs \(i < expected.count ? expected[i] : "-")")
    return false
}
