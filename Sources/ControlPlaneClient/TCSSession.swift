public import AWSSupport
public import ECSModel
public import Logging
public import ServiceLifecycle
import WSClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What telemetry reads from the rest of the agent (the task engine implements it later).
public protocol TelemetrySource: Sendable {
    /// One entry per running task with the samples gathered since the last call.
    func taskMetrics() async -> [TaskMetric]
    /// Tasks with at least one health-checked container.
    func taskHealth() async -> [TaskHealth]
    /// ContainerRuntime and Agent status.
    func instanceStatuses() async -> [InstanceStatus]
}

/// Frames waiting for a TCS connection: at most `capacity` (15 = 5 minutes of 20 s ticks, as
/// TCS refuses older metrics); the oldest goes first when full. A frame leaves only after it
/// was written, so a dropped connection loses nothing that fits.
actor TelemetryOutbox {
    struct Item: Sendable {
        var id: Int
        var envelope: String
        var enqueuedAt: ContinuousClock.Instant
    }

    let capacity: Int
    let maxAge: Duration
    private var items: [Item] = []
    private var nextId = 0
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private(set) var dropped = 0

    init(capacity: Int = 15, maxAge: Duration = .seconds(300)) {
        self.capacity = capacity
        self.maxAge = maxAge
    }

    func append(_ envelope: String) {
        items.append(Item(id: nextId, envelope: envelope, enqueuedAt: .now))
        nextId += 1
        while items.count > capacity {
            items.removeFirst()
            dropped += 1
        }
        wakeAll()
    }

    /// The oldest frame still young enough to send; waits for one (until cancelled).
    func first() async throws -> Item {
        while true {
            try Task.checkCancellation()
            items.removeAll { ContinuousClock.now - $0.enqueuedAt > maxAge }
            if let item = items.first { return item }
            let id = nextWaiter
            nextWaiter += 1
            await withTaskCancellationHandler {
                await withCheckedContinuation { waiters[id] = $0 }
            } onCancel: {
                Task { await self.wake(id) }
            }
        }
    }

    private func wake(_ id: Int) { waiters.removeValue(forKey: id)?.resume() }

    private func wakeAll() {
        let ready = waiters
        waiters = [:]
        for w in ready.values { w.resume() }
    }

    func remove(_ id: Int) { items.removeAll { $0.id == id } }
    var count: Int { items.count }
}

/// The TCS session (protocol.md §5): every `interval` it collects metrics, health and instance
/// status into the outbox; a connection loop signs each frame (§5.2) and writes the outbox.
/// ECS_DISABLE_METRICS stops metrics only; health and instance status are still sent.
public final class TCSSession: Service, Sendable {
    let registration: Registration
    let identity: AgentIdentity
    let discovery: EndpointDiscovery
    let dialer: WebSocketDialer
    let credentials: CredentialChain
    let region: String
    let source: any TelemetrySource
    let metricsEnabled: Bool
    let interval: Duration
    let timing: SessionTiming
    let logger: Logger
    let outbox = TelemetryOutbox()
    private let connectedFlag = Locked(false)
    /// Set when ACS reports the instance inactive: the current connection is dropped.
    private let dropConnection = Locked(false)

    public init(registration: Registration, identity: AgentIdentity, discovery: EndpointDiscovery, dialer: WebSocketDialer,
                credentials: CredentialChain, region: String, source: any TelemetrySource, metricsEnabled: Bool,
                interval: Duration = .seconds(20), timing: SessionTiming = .tcs, logger: Logger) {
        self.registration = registration
        self.identity = identity
        self.discovery = discovery
        self.dialer = dialer
        self.credentials = credentials
        self.region = region
        self.source = source
        self.metricsEnabled = metricsEnabled
        self.interval = interval
        self.timing = timing
        self.logger = logger
    }

    public var isConnected: Bool { connectedFlag.value }

    /// Closes the current connection (the instance was deregistered); the loop reconnects with backoff.
    public func disconnect() { dropConnection.value = true }

    public func run() async throws {
        do { try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.collectLoop() }
                group.addTask { try await self.connectionLoop() }
                try await group.next()
                group.cancelAll()
            }
        } } catch is CancellationError {}
    }

    func url(base: String) -> URLParts? {
        var query = [("agentHash", identity.agentHash), ("agentVersion", identity.agentVersion), ("cluster", registration.cluster),
                     ("containerInstance", registration.containerInstanceArn)]
        if let docker = identity.dockerVersion { query.append(("dockerVersion", docker)) }
        return GoQuery.sessionURL(base: base, query: query)
    }

    // MARK: collection

    private func collectLoop() async throws {
        while true {
            await collect()
            try await Task.sleep(for: interval)
        }
    }

    func collect() async {
        let now = Date().timeIntervalSince1970
        let cluster = registration.cluster, instance = registration.containerInstanceArn
        if metricsEnabled {
            let messageId = UUID().uuidString.lowercased()
            let metrics = await source.taskMetrics()
            if metrics.isEmpty {
                let request = PublishMetricsRequest(metadata: TCSMetadata(cluster: cluster, containerInstance: instance, messageId: messageId, idle: true, fin: true),
                                                    taskMetrics: [], timestamp: now)
                await enqueue("PublishMetricsRequest", request)
            } else {
                let chunks = stride(from: 0, to: metrics.count, by: 10).map { Array(metrics[$0..<min(metrics.count, $0 + 10)]) }
                for (i, chunk) in chunks.enumerated() {
                    let request = PublishMetricsRequest(metadata: TCSMetadata(cluster: cluster, containerInstance: instance, messageId: messageId,
                                                                              idle: false, fin: i == chunks.count - 1),
                                                        taskMetrics: chunk, timestamp: now)
                    await enqueue("PublishMetricsRequest", request)
                }
            }
        }
        let health = await source.taskHealth()
        if !health.isEmpty {
            let messageId = UUID().uuidString.lowercased()
            let chunks = stride(from: 0, to: health.count, by: 10).map { Array(health[$0..<min(health.count, $0 + 10)]) }
            for (i, chunk) in chunks.enumerated() {
                await enqueue("PublishHealthRequest", PublishHealthRequest(
                    metadata: TCSMetadata(cluster: cluster, containerInstance: instance, messageId: messageId, fin: i == chunks.count - 1),
                    tasks: chunk, timestamp: now))
            }
        }
        let statuses = await source.instanceStatuses()
        if !statuses.isEmpty {
            await enqueue("PublishInstanceStatusRequest", PublishInstanceStatusRequest(
                metadata: TCSMetadata(cluster: cluster, containerInstance: instance, requestId: UUID().uuidString.lowercased()),
                statuses: statuses, timestamp: now))
        }
    }

    private func enqueue(_ type: String, _ message: some Encodable) async {
        guard let envelope = try? ACSEnvelope.encode(type: type, message) else { return }
        await outbox.append(envelope)
    }

    // MARK: connection

    private func connectionLoop() async throws {
        var backoff = timing.backoff
        while !Task.isCancelled {
            let endpoints: EndpointDiscovery.Endpoints
            do {
                endpoints = try await discovery.endpoints()
            } catch {
                try await Task.sleep(for: backoff.next())
                continue
            }
            guard let url = url(base: endpoints.telemetry) else {
                logger.error("TCS endpoint is not a URL", metadata: ["endpoint": "\(endpoints.telemetry)"])
                try await Task.sleep(for: backoff.next())
                continue
            }
            let started = ContinuousClock.now
            let connected = Locked(false)
            dropConnection.value = false
            let end = await dialer.run(url: url) { inbound, outbound in
                connected.value = true
                self.connectedFlag.value = true
                self.logger.info("TCS connected")
                try await self.serve(url: url, inbound: inbound, outbound: outbound)
            }
            connectedFlag.value = false
            if Task.isCancelled { return }
            if connected.value && ContinuousClock.now - started >= timing.resetBackoffAfter { backoff.reset() }
            if case .clean = end {
                backoff.reset()
                logger.info("TCS connection ended; reconnecting", metadata: ["reason": "\(end)"])
            } else {
                let delay = backoff.next()
                logger.warning("TCS connection failed; reconnecting after backoff", metadata: ["reason": "\(end)", "retryInSeconds": "\(delay.secondsText)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    private func serve(url: URLParts, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let lastHeard = Locked(ContinuousClock.now)
        let timeout = timing.jittered(timing.heartbeatTimeout, timing.heartbeatJitter)
        let (outbox, credentials, region, logger, dropConnection) = (outbox, credentials, region, logger, dropConnection)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { // reader: heartbeats and publish acks keep the connection alive
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message, let envelope = ACSEnvelope.decode(text) else { continue }
                    switch envelope.type {
                    case "HeartbeatMessage", "AckPublishMetric", "AckPublishHealth", "AckPublishInstanceStatus":
                        lastHeard.value = .now
                    default:
                        logger.notice("TCS says", metadata: ["type": "\(envelope.type)", "message": "\(envelope.message["message"]?.stringValue ?? "")"])
                    }
                }
            }
            group.addTask { // writer: the outbox, oldest first, each frame signed
                while true {
                    let item = try await outbox.first()
                    let creds = try await credentials.credentials()
                    let frame = SigV4.signedTelemetryFrame(item.envelope, url: url, credentials: creds, region: region)
                    try await outbound.write(.text(frame))
                    await outbox.remove(item.id)
                }
            }
            group.addTask { // watchdog, and the inactive-instance drop
                let tick = min(.seconds(1), timeout / 4)
                while true {
                    try await Task.sleep(for: tick)
                    if dropConnection.value { throw SessionDropped() }
                    if ContinuousClock.now - lastHeard.value > timeout { throw HeartbeatTimeout(after: timeout) }
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}

struct SessionDropped: Error, CustomStringConvertible {
    var description: String { "dropped because the instance is inactive" }
}
