import ECSModel
@testable import LogShipping
import Synchronization

/// A container's log as Docker keeps it: entries in written order, `since` filtering per entry,
/// follow until `end()`; `rotateAway(n)` drops the oldest entries, as rotation past max-file does.
final class FakeLogSource: ContainerLogSource, Sendable {
    private struct State {
        var entries: [LogEntry] = []
        var dropped = 0
        var ended = false
        var failAfter: Int?
        var follows = 0
        var gone = false
    }
    private let state = Mutex(State())

    func append(_ e: [LogEntry]) { state.withLock { $0.entries += e } }
    func end() { state.withLock { $0.ended = true } }
    func rotateAway(_ n: Int) { state.withLock { $0.dropped = min($0.entries.count, $0.dropped + n) } }
    /// The next follow breaks (like a dockerd restart) after delivering `n` entries.
    func failNextFollow(after n: Int) { state.withLock { $0.failAfter = n } }
    var follows: Int { state.withLock { $0.follows } }
    /// The container is removed: a follow finds no such container.
    func remove() { state.withLock { $0.gone = true } }

    struct Broken: Error {}

    func follow(containerID: String, since: Int64, deliver: @escaping @Sendable (LogEntry) async -> Void) async throws {
        var index = 0
        var delivered = 0
        if state.withLock({ $0.gone }) { throw ContainerGone() }
        let failAfter = state.withLock { s -> Int? in
            s.follows += 1
            defer { s.failAfter = nil }
            return s.failAfter
        }
        while true {
            try Task.checkCancellation()
            let (next, ended): (LogEntry?, Bool) = state.withLock { s in
                index = max(index, s.dropped)
                while index < s.entries.count, s.entries[index].timestamp < since { index += 1 }
                guard index < s.entries.count else { return (nil, s.ended) }
                defer { index += 1 }
                return (s.entries[index], false)
            }
            if let next {
                if let failAfter, delivered >= failAfter { throw Broken() }
                await deliver(next)
                delivered += 1
            } else if ended {
                return
            } else {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }
}

/// CloudWatch Logs in memory, with scripted failures.
final class FakeLogsAPI: LogsAPI, Sendable {
    struct State {
        var groups: Set<String> = []
        var streams: Set<String> = []
        var events: [String: [LogEvent]] = [:]
        var puts = 0
        /// Consulted before each put: a failure to return instead of accepting.
        var failure: LogsAPIError?
        var failuresLeft = 0
        var rejectOldest = 0
    }
    let state = Mutex(State())

    init(groups: Set<String> = []) { state.withLock { $0.groups = groups } }

    func fail(_ error: LogsAPIError?, times: Int = Int.max) {
        state.withLock {
            $0.failure = error
            $0.failuresLeft = times
        }
    }

    func events(_ group: String, _ stream: String) -> [LogEvent] { state.withLock { $0.events["\(group)|\(stream)"] ?? [] } }
    var puts: Int { state.withLock { $0.puts } }
    var groups: Set<String> { state.withLock { $0.groups } }

    func createLogGroup(_ group: String) async throws(LogsAPIError) {
        state.withLock { s in _ = s.groups.insert(group) }
    }

    func createLogStream(group: String, stream: String) async throws(LogsAPIError) {
        try state.withLock { s throws(LogsAPIError) in
            guard s.groups.contains(group) else { throw .notFound("The specified log group does not exist.") }
            s.streams.insert("\(group)|\(stream)")
        }
    }

    func putLogEvents(group: String, stream: String, events: [LogEvent]) async throws(LogsAPIError) -> Int {
        try state.withLock { s throws(LogsAPIError) -> Int in
            s.puts += 1
            if let f = s.failure, s.failuresLeft > 0 {
                s.failuresLeft -= 1
                throw f
            }
            guard s.streams.contains("\(group)|\(stream)") else { throw .notFound("The specified log stream does not exist.") }
            precondition(zip(events, events.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }, "batch out of order")
            let rejected = min(s.rejectOldest, events.count)
            s.rejectOldest = 0
            s.events["\(group)|\(stream)", default: []] += events.dropFirst(rejected)
            return rejected
        }
    }
}

final class MemoryCursorStore: LogCursorStore, Sendable {
    let cursors = Mutex<[String: LogCursor]>([:])
    func loadCursor(_ containerID: String) async -> LogCursor? { cursors.withLock { $0[containerID] } }
    func saveCursor(_ containerID: String, _ cursor: LogCursor) async throws { cursors.withLock { $0[containerID] = cursor } }
    func removeCursor(_ containerID: String) async { _ = cursors.withLock { $0.removeValue(forKey: containerID) } }
}

extension FakeLogSource {
    /// Appends entries and then a replay of the last `replayed` of them, as Docker 20.10 does
    /// when a followed log file rotates.
    func appendWithReplay(_ e: [LogEntry], replayed: Int) { append(e + e.suffix(replayed)) }
}
