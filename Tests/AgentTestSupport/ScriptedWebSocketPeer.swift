import ECSModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// A scripted ACS/TCS server on loopback: it accepts `/acs/ws` and `/tcs/ws` upgrades, records
/// every connection (its query) and every frame the agent sends, and sends, closes or refuses
/// when the test says so. It speaks first only when told to, so tests control every timer.
public final class ScriptedWebSocketPeer: @unchecked Sendable {
    public enum Kind: String, Sendable { case acs, tcs }

    public final class Connection: @unchecked Sendable {
        public let kind: Kind
        public let query: [String: String]
        public let headers: [String: String]
        let commands: AsyncStream<Command>.Continuation
        let commandStream: AsyncStream<Command>
        private let lock = NSLock()
        private var frames: [String] = []
        public private(set) var ended = false

        init(kind: Kind, query: [String: String], headers: [String: String]) {
            self.kind = kind
            self.query = query
            self.headers = headers
            (commandStream, commands) = AsyncStream.makeStream(of: Command.self)
        }

        func record(_ text: String) { lock.withLock { frames.append(text) } }
        func markEnded() { lock.withLock { ended = true } }
        public var received: [String] { lock.withLock { frames } }
        /// Received frames as envelopes (TCS frames: after their signed header block).
        public var envelopes: [ACSEnvelope] {
            received.compactMap { text in
                let json = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? text
                return ACSEnvelope.decode(json)
            }
        }
        public func envelopes(_ type: String) -> [ACSEnvelope] { envelopes.filter { $0.type == type } }
        public var isEnded: Bool { lock.withLock { ended } }

        public func send(_ text: String) { commands.yield(.text(text)) }
        public func send(_ type: String, _ message: some Encodable) throws { send(try ACSEnvelope.encode(type: type, message)) }
        public func close(code: WebSocketErrorCode = .normalClosure, reason: String = "") { commands.yield(.close(code, reason)) }
    }

    enum Command: Sendable {
        case text(String)
        case close(WebSocketErrorCode, String)
    }

    private let lock = NSLock()
    private var all: [Connection] = []
    private var refusal: (status: Int, body: String)?
    public private(set) var url = ""
    private var task: Task<Void, any Error>?

    public init() {}

    public var connections: [Connection] { lock.withLock { all } }
    public func connections(_ kind: Kind) -> [Connection] { connections.filter { $0.kind == kind } }

    /// Refuse upgrades with this status and body until cleared with nil.
    public func refuse(_ refusal: (status: Int, body: String)?) { lock.withLock { self.refusal = refusal } }
    var currentRefusal: (status: Int, body: String)? { lock.withLock { refusal } }

    func add(_ c: Connection) { lock.withLock { all.append(c) } }

    public func start() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.get("/acs/ws") { _, _ -> Response in self.refusalResponse() ?? Response(status: .badRequest) }
        router.get("/tcs/ws") { _, _ -> Response in self.refusalResponse() ?? Response(status: .badRequest) }
        let wsRouter = Router(context: BasicWebSocketRequestContext.self)
        wsRouter.middlewares.add(RefusingMiddleware(peer: self))
        for kind in [Kind.acs, .tcs] {
            wsRouter.ws("/\(kind.rawValue)/ws") { _, _ in .upgrade([:]) } onUpgrade: { inbound, outbound, context in
                var query: [String: String] = [:]
                for (k, v) in context.request.uri.queryParameters { query[String(k)] = String(v) }
                var headers: [String: String] = [:]
                for field in context.request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                let connection = Connection(kind: kind, query: query, headers: headers)
                self.add(connection)
                defer { connection.markEnded() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            if case .text(let text) = message { connection.record(text) }
                        }
                    }
                    group.addTask {
                        for await command in connection.commandStream {
                            switch command {
                            case .text(let t): try await outbound.write(.text(t))
                            case .close(let code, let reason):
                                try await outbound.close(code, reason: reason)
                                return
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        let ready = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.ws-peer")
        logger.logLevel = .critical
        let app = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: wsRouter, configuration: .init(ws: .init(maxFrameSize: 1 << 22))),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        task = Task { try await app.runService() }
        var it = ready.stream.makeAsyncIterator()
        url = "http://127.0.0.1:\(await it.next() ?? 0)"
    }

    func refusalResponse() -> Response? {
        guard let r = currentRefusal else { return nil }
        return Response(status: .init(code: r.status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: r.body)))
    }

    public func stop() async {
        for c in connections { c.commands.finish() }
        task?.cancel()
        _ = try? await task?.value
    }
}

struct RefusingMiddleware<Context: RequestContext>: RouterMiddleware {
    let peer: ScriptedWebSocketPeer
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = peer.refusalResponse() { return refusal }
        return try await next(request, context)
    }
}
