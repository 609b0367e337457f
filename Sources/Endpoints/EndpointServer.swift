import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
import HTTPTypes

/// One HTTP listener answering with a pure handler (`IntrospectionAPI` or `TaskMetadataAPI`).
/// A Service: a bind that fails (the port still held by a previous agent) is tried again with
/// backoff, 1 s doubling to 1 min, as the reference does, instead of failing the agent.
public struct EndpointServer: Service {
    public let name: String
    public let host: String
    public let port: Int
    let handle: @Sendable (EndpointRequest) async -> EndpointResponse
    let logger: Logger
    /// Called with the bound port once listening (tests bind port 0).
    let onListening: @Sendable (Int) async -> Void

    public init(name: String, host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in },
                handle: @escaping @Sendable (EndpointRequest) async -> EndpointResponse) {
        self.name = name
        self.host = host
        self.port = port
        self.logger = logger
        self.onListening = onListening
        self.handle = handle
    }

    public func run() async throws {
        var delay = Duration.seconds(1)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let started = ContinuousClock.now
            do {
                try await application().run()
                return
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                if ContinuousClock.now - started > .seconds(60) { delay = .seconds(1) }
                logger.error("endpoint listener failed; trying again", metadata: ["listener": "\(name)", "address": "\(host):\(port)",
                                                                                 "error": "\(error)", "retryIn": "\(delay)"])
                try? await gracefulShutdownSleep(delay)
                delay = min(delay * 2, .seconds(60))
            }
        }
    }

    private func gracefulShutdownSleep(_ delay: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }

    func application() -> some ApplicationProtocol {
        let (name, logger, onListening) = (self.name, self.logger, self.onListening)
        var quiet = logger
        // Hummingbird logs every request at debug; the agent logs what matters itself.
        quiet.logLevel = max(logger.logLevel, .info)
        return Application(
            responder: Responder(handle: handle),
            // Go's servers: ReadTimeout 5 s, which also bounds an idle keep-alive connection.
            server: .http1(configuration: .init(idleTimeout: .seconds(5))),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                logger.info("endpoint listening", metadata: ["listener": "\(name)", "address": "\(channel.localAddress?.description ?? "")"])
                await onListening(bound)
            },
            logger: quiet)
    }

    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let remoteAddress: SocketAddress?
        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    struct Responder: HTTPResponder {
        let handle: @Sendable (EndpointRequest) async -> EndpointResponse
        /// Requests carry no meaningful body here except task protection's small JSON.
        static let maximumBody = 64 << 10

        func respond(to request: Request, context: Context) async throws -> Response {
            let body = (try? await request.body.collect(upTo: Self.maximumBody)).map { Array(buffer: $0) } ?? []
            var headers: [(String, String)] = []
            for field in request.headers { headers.append((field.name.rawName, field.value)) }
            let endpointRequest = EndpointRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                                                  remoteAddress: Self.goAddress(context.remoteAddress), headers: headers, body: body)
            let answer = await handle(endpointRequest)
            var fields = HTTPFields()
            for h in answer.headers {
                if let name = HTTPField.Name(h.name) { fields.append(HTTPField(name: name, value: h.value)) }
            }
            return Response(status: .init(code: answer.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(bytes: request.method == .head ? [] : answer.body)))
        }

        /// `ip:port`, `[v6]:port` as Go's RemoteAddr.
        static func goAddress(_ address: SocketAddress?) -> String {
            guard let address, let ip = address.ipAddress, let port = address.port else { return "" }
            if case .v6 = address { return "[\(ip)]:\(port)" }
            return "\(ip):\(port)"
        }
    }
}
