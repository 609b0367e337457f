import AsyncHTTPClient
import Logging
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension DockerClient {
    /// `GET /events`, followed for as long as the caller iterates, and resumed after a dropped
    /// connection without losing or repeating an event.
    ///
    /// On a drop the stream reconnects with `since=` the last event's `timeNano` and drops the
    /// events it already delivered at that instant. `onResume` is called after each reconnect
    /// so that a caller can reconcile anything it may have missed while dockerd was away.
    /// The sequence ends only when the task iterating it is cancelled, or with an error that
    /// reconnecting cannot fix (`.http` 4xx, `.decoding`).
    public func events(
        filters: DockerFilters = .init(),
        since: Int64? = nil,
        until: Int64? = nil,
        onResume: @escaping @Sendable (_ attempt: Int) -> Void = { _ in }
    ) -> AsyncThrowingStream<DockerEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var cursor = EventCursor(since: since)
                var attempt = 0
                while !Task.isCancelled {
                    do {
                        try await self.followEvents(filters: filters, until: until, cursor: &cursor) { event in
                            attempt = 0
                            continuation.yield(event)
                        }
                        // The daemon ended the stream: with `until` that is the end.
                        if until != nil { break }
                    } catch is CancellationError {
                        break
                    } catch let error as DockerError where !error.isRetriable {
                        continuation.finish(throwing: error)
                        return
                    } catch {
                        self.logger.info("docker events stream dropped", metadata: ["error": "\(error)"])
                    }
                    attempt += 1
                    let backoff = Duration.milliseconds(min(2000, 100 << min(attempt, 5)))
                    do { try await Task.sleep(for: backoff) } catch { break }
                    self.logger.info("docker events stream resuming", metadata: ["attempt": "\(attempt)"])
                    onResume(attempt)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func followEvents(
        filters: DockerFilters, until: Int64?, cursor: inout EventCursor, deliver: (DockerEvent) -> Void
    ) async throws {
        let op = "follow docker events"
        var query: [(String, String)] = []
        if let since = cursor.sinceParameter { query.append(("since", since)) }
        if let until { query.append(("until", "\(until / 1_000_000_000).\(String(until % 1_000_000_000).leftPadded(to: 9))")) }
        if !filters.values.isEmpty { query.append(("filters", filters.json)) }
        let response = try await open(Request(method: .GET, path: "/events", query: query), operation: op, headTimeout: timeouts.streamHead)
        var splitter = JSONStreamSplitter(maximumDocument: limits.streamDocument)
        do {
            for try await chunk in response.body {
                for document in try splitter.push(chunk.readableBytesView) {
                    let event: DockerEvent
                    do {
                        event = try JSONDecoder().decode(DockerEvent.self, from: Data(document))
                    } catch {
                        throw DockerError.decoding(operation: op, reason: "\(error)")
                    }
                    if cursor.admit(event) { deliver(event) }
                }
            }
        } catch let error as DockerError {
            throw error
        } catch is JSONStreamSplitter.Failure {
            throw DockerError.bodyTooLarge(operation: op, limit: limits.streamDocument)
        } catch {
            throw self.map(error, operation: op, timeout: timeouts.streamHead)
        }
    }
}

/// The resume position of an events stream: the newest `timeNano` delivered and the events
/// delivered at exactly that instant (a resumed stream starts there again, inclusively).
struct EventCursor: Sendable {
    private(set) var lastTimeNano: Int64?
    private var deliveredAtLast: Set<String> = []

    init(since: Int64?) {
        lastTimeNano = since
    }

    /// `since=` for the next connection, in Docker's `seconds.nanoseconds` form.
    var sinceParameter: String? {
        guard let t = lastTimeNano else { return nil }
        return "\(t / 1_000_000_000).\(String(t % 1_000_000_000).leftPadded(to: 9))"
    }

    /// Whether `event` is new; records it.
    mutating func admit(_ event: DockerEvent) -> Bool {
        if let last = lastTimeNano {
            if event.timeNano < last { return false }
            if event.timeNano == last {
                return deliveredAtLast.insert(event.identity).inserted
            }
        }
        lastTimeNano = event.timeNano
        deliveredAtLast = [event.identity]
        return true
    }
}
