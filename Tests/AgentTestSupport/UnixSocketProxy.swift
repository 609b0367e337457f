import Foundation
import NIOCore
import NIOPosix

/// Forwards a Unix socket to another one (or a loopback TCP port to another), and can cut every
/// connection or refuse new ones on demand: how tests drop a streaming connection (Docker
/// events) or take a control plane away at a moment of their choosing.
public final class UnixSocketProxy: @unchecked Sendable {
    public let socketPath: String
    let upstreamPath: String
    let upstreamPort: Int?
    /// The TCP port listened on (TCP proxies only).
    public private(set) var port = 0
    private let server: any Channel
    private let lock = NSLock()
    private var connections: [any Channel] = []
    private var refusing = false
    public private(set) var acceptedCount = 0

    public init(upstream: String) async throws {
        let dir = try TestEnvironment.temporaryDirectory("proxy")
        socketPath = dir + "/docker.sock"
        upstreamPath = upstream
        upstreamPort = nil
        let state = Box()
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                guard let proxy = state.proxy else { return inbound.close() }
                return proxy.accept(inbound)
            }
            .bind(unixDomainSocketPath: socketPath).get()
        state.proxy = self
    }

    /// A loopback TCP proxy to `127.0.0.1:upstreamPort`.
    public init(tcpUpstreamPort: Int) async throws {
        socketPath = ""
        upstreamPath = ""
        upstreamPort = tcpUpstreamPort
        let state = Box()
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                guard let proxy = state.proxy else { return inbound.close() }
                return proxy.accept(inbound)
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = server.localAddress?.port ?? 0
        state.proxy = self
    }

    final class Box: @unchecked Sendable { weak var proxy: UnixSocketProxy? }

    private func accept(_ inbound: any Channel) -> EventLoopFuture<Void> {
        let refuse = lock.withLock { () -> Bool in
            if refusing { return true }
            acceptedCount += 1
            connections.append(inbound)
            return false
        }
        if refuse { return inbound.close() }
        let bootstrap = ClientBootstrap(group: inbound.eventLoop)
        let connecting = upstreamPort.map { bootstrap.connect(host: "127.0.0.1", port: $0) } ?? bootstrap.connect(unixDomainSocketPath: upstreamPath)
        return connecting
            .flatMap { outbound in
                self.lock.withLock { self.connections.append(outbound) }
                let (a, b) = GlueHandler.matchedPair()
                return inbound.pipeline.addHandler(a).flatMap { outbound.pipeline.addHandler(b) }
            }
    }

    /// Closes every open connection (both sides).
    public func cutAll() async {
        let all = lock.withLock { () -> [any Channel] in
            defer { connections.removeAll() }
            return connections
        }
        for c in all { try? await c.close() }
    }

    /// While set, new connections are closed as soon as they are accepted.
    public func setRefusing(_ value: Bool) {
        lock.withLock { refusing = value }
    }

    public func close() async {
        await cutAll()
        try? await server.close()
        try? FileManager.default.removeItem(atPath: (socketPath as NSString).deletingLastPathComponent)
    }
}

/// Copies bytes between two channels (SwiftNIO's classic glue pattern), with back-pressure.
final class GlueHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func matchedPair() -> (GlueHandler, GlueHandler) {
        let a = GlueHandler(), b = GlueHandler()
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The accepted side starts with autoRead off so nothing is read before the glue is in
        // place; from here on reads flow, paced by read(context:) below.
        let channel = context.channel
        channel.setOption(.autoRead, value: true).whenFailure { _ in channel.close(promise: nil) }
    }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    private func partnerFlush() { context?.flush() }
    private func partnerWriteEOF() { context?.close(mode: .output, promise: nil) }
    private func partnerCloseFull() { context?.close(promise: nil) }
    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }
    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerCloseFull()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, case .inputClosed = e {
            partner?.partnerWriteEOF()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
    }

    func read(context: ChannelHandlerContext) {
        if let p = partner, let pc = p.context, pc.eventLoop.inEventLoop, !pc.channel.isWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }
}
