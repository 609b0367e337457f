import AWSSupport
import ECSModel
public import Logging
public import ServiceLifecycle
import Synchronization
import WSClient
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The ACS session (protocol.md §4): discover, connect (signed), hand messages to the handler,
/// reconnect for ever with backoff. The read loop never waits for task work: heartbeats are
/// answered at once and everything else goes to a worker, in order.
public final class ACSSession: Service, Sendable {
    public struct Status: Sendable {
        public var connected = false
        public var connections = 0
        public var lastEnd: String?
        public var connectedSince: Date?
    }

    let registration: Registration
    let identity: AgentIdentity
    let discovery: EndpointDiscovery
    let dialer: WebSocketDialer
    let handler: ACSMessageHandler
    let timing: SessionTiming
    let logger: Logger
    let onConnected: @Sendable () -> Void
    /// Invoked when ACS calls the instance inactive, so TCS can drop its connection.
    let onInactive: @Sendable () -> Void
    private let state = Locked(Status())

    public init(registration: Registration, identity: AgentIdentity, discovery: EndpointDiscovery, dialer: WebSocketDialer,
                handler: ACSMessageHandler, timing: SessionTiming = .acs, logger: Logger,
                onConnected: @escaping @Sendable () -> Void = {}, onInactive: @escaping @Sendable () -> Void = {}) {
        self.registration = registration
        self.identity = identity
        self.discovery = discovery
        self.dialer = dialer
        self.handler = handler
        self.timing = timing
        self.logger = logger
        self.onConnected = onConnected
        self.onInactive = onInactive
    }

    public var status: Status { state.value }

    public func run() async throws {
        // Shutdown cancels the loop; that is the normal way out, not an error.
        do { try await cancelWhenGracefulShutdown { try await self.loop() } } catch is CancellationError {}
    }

    func url(base: String, sendCredentials: Bool) -> URLParts? {
        var query = [("agentHash", identity.agentHash), ("agentVersion", identity.agentVersion), ("clusterArn", registration.cluster),
                     ("containerInstanceArn", registration.containerInstanceArn), ("protocolVersion", "2"),
                     ("sendCredentials", sendCredentials ? "true" : "false"), ("seqNum", "1")]
        if let docker = identity.dockerVersion { query.append(("dockerVersion", "DockerVersion: \(docker)")) }
        return GoQuery.sessionURL(base: base, query: query)
    }

    private func loop() async throws {
        var backoff = timing.backoff
        var sentCredentialsRequest = false
        while !Task.isCancelled {
            let endpoints: EndpointDiscovery.Endpoints
            do {
                endpoints = try await discovery.endpoints()
            } catch {
                let delay = backoff.next()
                logger.warning("ACS endpoint discovery failed", metadata: ["error": "\(error)", "retryInSeconds": "\(delay.seconds)"])
                try await Task.sleep(for: delay)
                continue
            }
            guard let url = url(base: endpoints.acs, sendCredentials: !sentCredentialsRequest) else {
                logger.error("ACS endpoint is not a URL", metadata: ["endpoint": "\(endpoints.acs)"])
                try await Task.sleep(for: backoff.next())
                continue
            }
            let started = ContinuousClock.now
            let connected = Locked(false)
            let end = await dialer.run(url: url) { inbound, outbound in
                connected.value = true
                self.markConnected()
                try await self.serve(inbound: inbound, outbound: outbound)
            }
            let wasConnected = connected.value
            if Task.isCancelled { return }
            if wasConnected { sentCredentialsRequest = true }
            state.withLock { $0.connected = false; $0.lastEnd = end.description; $0.connectedSince = nil }
            if wasConnected && ContinuousClock.now - started >= timing.resetBackoffAfter { backoff.reset() }
            switch end {
            case .clean(let why):
                logger.info("ACS connection ended; reconnecting", metadata: ["reason": "\(why)"])
                backoff.reset()
            case .inactive(let why):
                logger.error("ACS says this container instance is inactive (deregistered); retrying in \(Int(timing.inactiveRetry.seconds)) s. To register anew, stop the agent and delete its data directory",
                             metadata: ["reason": "\(why)", "containerInstanceArn": "\(registration.containerInstanceArn)"])
                onInactive()
                try await Task.sleep(for: timing.inactiveRetry)
            case .failed(let why):
                let delay = backoff.next()
                logger.warning("ACS connection failed; reconnecting after backoff", metadata: ["reason": "\(why)", "retryInSeconds": "\(delay.secondsText)"])
                if !wasConnected { await discovery.invalidate() }
                try await Task.sleep(for: delay)
            }
        }
    }

    private func markConnected() {
        let count = state.withLock { s -> Int in
            s.connected = true
            s.connections += 1
            s.connectedSince = Date()
            return s.connections
        }
        logger.notice("ACS connected", metadata: ["containerInstanceArn": "\(registration.containerInstanceArn)", "connection": "\(count)"])
        onConnected()
    }

    /// One connection: reader, worker, writer, heartbeat watchdog and recycle timer.
    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let (replies, reply) = AsyncStream.makeStream(of: String.self)
        let (work, enqueue) = AsyncStream.makeStream(of: ACSEnvelope.self)
        let lastMessage = Locked(ContinuousClock.now)
        let timeout = timing.jittered(timing.heartbeatTimeout, timing.heartbeatJitter)
        let recycleAfter = timing.jittered(timing.recycle, timing.recycleJitter)
        let handler = self.handler
        let logger = self.logger
        let send: @Sendable (String) -> Void = { reply.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { // reader: never awaits task work
                defer { reply.finish(); enqueue.finish() }
                var messages = inbound.messages(maxSize: 4 << 20).makeAsyncIterator()
                while let message = try await messages.next() {
                    lastMessage.value = .now
                    let text: String
                    switch message {
                    case .text(let t): text = t
                    case .binary(let b):
                        logger.warning("binary ACS frame; parsing it anyway")
                        text = String(buffer: b)
                    }
                    guard let envelope = ACSEnvelope.decode(text) else {
                        logger.warning("malformed ACS frame dropped", metadata: ["bytes": "\(text.utf8.count)"])
                        continue
                    }
                    if envelope.type == "CloseMessage" {
                        // The Go agent only logs it and waits for the close frame; ending the
                        // connection here reconnects at once instead of after a watchdog expiry.
                        logger.notice("ACS asked to close the connection; reconnecting", metadata: ["message": "\(envelope.message["message"]?.stringValue ?? "")"])
                        return
                    }
                    if envelope.type == "HeartbeatMessage" {
                        await handler.handle(envelope, send: send)
                    } else {
                        enqueue.yield(envelope)
                    }
                }
            }
            group.addTask { // worker: one message at a time, in arrival order
                for await envelope in work { await handler.handle(envelope, send: send) }
                try await Task.sleep(for: .seconds(1_000_000_000))
            }
            group.addTask { // writer
                for await frame in replies { try await outbound.write(.text(frame)) }
                try await Task.sleep(for: .seconds(1_000_000_000))
            }
            group.addTask { // heartbeat watchdog
                let tick = min(.seconds(1), timeout / 4)
                while true {
                    try await Task.sleep(for: tick)
                    if ContinuousClock.now - lastMessage.value > timeout { throw HeartbeatTimeout(after: timeout) }
                }
            }
            group.addTask { // periodic recycle: close cleanly; the server's close ends the reader
                try await Task.sleep(for: recycleAfter)
                logger.info("recycling the ACS connection")
                try await outbound.close(.normalClosure, reason: "ConnectionExpired: Reconnect to continue")
                try await Task.sleep(for: .seconds(1_000_000_000))
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}
