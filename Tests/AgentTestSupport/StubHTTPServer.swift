import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A hand-written HTTP server on a temporary Unix socket that answers from a closure and
/// records every request: the peer for unit tests of HTTP clients (the Docker client first).
public final class StubHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var uri: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        /// Sent one after the other, each after its delay; a single element for a plain answer.
        public var chunks: [(Duration, [UInt8])]
        /// Wait this long before sending the head.
        public var headDelay: Duration

        public init(status: Int = 200, headers: [(String, String)] = [("Content-Type", "application/json")],
                    body: String = "", headDelay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.chunks = [(.zero, Array(body.utf8))]
            self.headDelay = headDelay
        }

        public init(status: Int = 200, streaming chunks: [(Duration, [UInt8])], headers: [(String, String)] = []) {
            self.status = status
            self.headers = headers
            self.chunks = chunks
            self.headDelay = .zero
        }
    }

    public let socketPath: String
    private let channel: any Channel
    private let lock = NSLock()
    private var recorded: [Request] = []

    public var requests: [Request] { lock.withLock { recorded } }

    public init(respond: @escaping @Sendable (Request) async -> Response) async throws {
        let dir = try TestEnvironment.temporaryDirectory("stub")
        socketPath = dir + "/s.sock"
        let box = Recorder()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(StubHandler(respond: respond, record: { box.append($0) }))
                }
            }
            .bind(unixDomainSocketPath: socketPath).get()
        box.sink = { [weak self] request in self?.lock.withLock { self?.recorded.append(request) } }
    }

    public func close() async {
        try? await channel.close()
        try? FileManager.default.removeItem(atPath: (socketPath as NSString).deletingLastPathComponent)
    }

    final class Recorder: @unchecked Sendable {
        var sink: ((Request) -> Void)?
        func append(_ r: Request) { sink?(r) }
    }
}

private final class StubHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let respond: @Sendable (StubHTTPServer.Request) async -> StubHTTPServer.Response
    let record: @Sendable (StubHTTPServer.Request) -> Void
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(respond: @escaping @Sendable (StubHTTPServer.Request) async -> StubHTTPServer.Response,
         record: @escaping @Sendable (StubHTTPServer.Request) -> Void) {
        self.respond = respond
        self.record = record
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let request = StubHTTPServer.Request(method: head.method.rawValue, uri: head.uri,
                                                 headers: head.headers.map { ($0.name, $0.value) }, body: body)
            record(request)
            let respond = self.respond
            let loop = context.eventLoop
            let ctx = NIOLoopBound(context, eventLoop: loop)
            let version = head.version
            Task {
                let response = await respond(request)
                if response.headDelay > .zero { try? await Task.sleep(for: response.headDelay) }
                var headers = HTTPHeaders(response.headers)
                if response.chunks.count == 1 {
                    headers.replaceOrAdd(name: "Content-Length", value: String(response.chunks[0].1.count))
                } else {
                    headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                }
                let responseHead = HTTPResponseHead(version: version, status: .init(statusCode: response.status), headers: headers)
                loop.execute { ctx.value.writeAndFlush(NIOAny(HTTPServerResponsePart.head(responseHead)), promise: nil) }
                for (delay, bytes) in response.chunks {
                    if delay > .zero { try? await Task.sleep(for: delay) }
                    loop.execute {
                        ctx.value.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                    }
                }
                loop.execute { ctx.value.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil) }
            }
        }
    }
}
