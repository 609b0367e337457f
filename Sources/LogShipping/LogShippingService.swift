public import Logging
public import ServiceLifecycle
import Synchronization

/// The agent's awslogs shipping: one shipper per container that asked for it, as a child task
/// of this service. `follow` starts one (or, when one is running, makes it read again once it
/// ends: the container may have been restarted); `finished` waits for a container's shipper
/// before its container is removed.
public final class LogShippingService: Service, Sendable {
    /// Shipping state of one container, for status displays.
    public struct Status: Sendable, Equatable {
        public var containerID: String
        public var containerName: String
        public var taskArn: String
        public var group: String
        public var stream: String
        public var cursor: LogCursor
        public var lastError: String?
        public var running: Bool
    }

    public typealias Request = (target: ShippingTarget, api: any LogsAPI)

    private struct Entry {
        var running = false
        var again = false
        var request: Request
        var status: Status
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var stopped = false
    }

    let source: any ContainerLogSource
    let store: any LogCursorStore
    let settings: ShippingSettings
    let logger: Logger
    private let state = Mutex(State())
    private let requests: AsyncStream<Request>
    private let requestSink: AsyncStream<Request>.Continuation

    public init(source: any ContainerLogSource, store: any LogCursorStore, settings: ShippingSettings = .init(), logger: Logger) {
        self.source = source
        self.store = store
        self.settings = settings
        self.logger = logger
        (requests, requestSink) = AsyncStream.makeStream()
    }

    /// Ships `target`'s output with `api` (now, or again once the running shipper ends).
    public func follow(_ target: ShippingTarget, api: any LogsAPI) {
        let start = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            if var e = s.entries[target.containerID] {
                e.request = (target, api)
                if e.running {
                    e.again = true
                    s.entries[target.containerID] = e
                    return false
                }
                e.running = true
                e.status.running = true
                s.entries[target.containerID] = e
                return true
            }
            let status = Status(containerID: target.containerID, containerName: target.containerName, taskArn: target.taskArn,
                                group: target.group, stream: target.stream, cursor: .start, lastError: nil, running: true)
            s.entries[target.containerID] = Entry(running: true, request: (target, api), status: status)
            return true
        }
        if start { requestSink.yield((target, api)) }
    }

    /// Returns once no shipper runs for the container (its output so far is shipped), or after
    /// `limit`; forgets the container and its cursor.
    public func finished(containerID: String, limit: Duration) async {
        // Polled: cleanup is rare and unhurried, and a poll needs no cancellable waiter.
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, state.withLock({ $0.entries[containerID]?.running ?? false }) {
            guard (try? await Task.sleep(for: .milliseconds(250))) != nil else { break }
        }
        // A container never followed (not shipped by the agent) has no cursor either.
        guard let left = state.withLock({ $0.entries.removeValue(forKey: containerID) }) else { return }
        if left.running {
            logger.error("container removed while its output was still being shipped; lines not yet shipped are lost",
                         metadata: ["container": "\(left.status.containerName)", "shippedEvents": "\(left.status.cursor.shipped)",
                                    "lastError": "\(left.status.lastError ?? "")"])
        }
        await store.removeCursor(containerID)
    }

    public func statuses() -> [Status] {
        state.withLock { s in s.entries.values.map(\.status).sorted { ($0.taskArn, $0.containerName) < ($1.taskArn, $1.containerName) } }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await request in requests.cancelOnGracefulShutdown() {
                group.addTask { await self.ship(request) }
            }
            group.cancelAll()
        }
        state.withLock { $0.stopped = true }
    }

    private func ship(_ request: Request) async {
        var request = request
        while true {
            let id = request.target.containerID
            var log = logger
            log[metadataKey: "container"] = "\(request.target.containerName)"
            log[metadataKey: "taskArn"] = "\(request.target.taskArn)"
            log[metadataKey: "logStream"] = "\(request.target.group)/\(request.target.stream)"
            let shipper = ContainerShipper(target: request.target, source: source, api: request.api, store: store, settings: settings,
                                           logger: log) { cursor, error in
                self.state.withLock { s in
                    s.entries[id]?.status.cursor = cursor
                    s.entries[id]?.status.lastError = error
                }
            }
            await shipper.run()
            let next: Request? = state.withLock { s in
                guard var e = s.entries[id] else { return nil }
                if e.again && !Task.isCancelled {
                    e.again = false
                    s.entries[id] = e
                    return e.request
                }
                e.running = false
                e.status.running = false
                s.entries[id] = e
                return nil
            }
            guard let next else { return }
            request = next
        }
    }
}
