import AsyncHTTPClient
public import Logging
import NIOCore
import NIOHTTP1
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A client of the Docker Engine API over its Unix socket (or TCP).
///
/// Every call has a deadline (`Timeouts`), every buffered answer a size cap (`Limits`), and
/// every failure is a `DockerError`. Call `negotiateVersion()` once before other calls; until
/// then requests use the unversioned paths. Call `shutdown()` when done.
public final class DockerClient: Sendable {
    public struct Timeouts: Sendable {
        /// Quick calls: ping, inspect, list, remove, create of volumes and execs.
        public var quick: Duration = .seconds(30)
        public var create: Duration = .seconds(240)
        public var start: Duration = .seconds(180)
        /// Added to a stop's grace period to give the HTTP call its own deadline.
        public var stopMargin: Duration = .seconds(30)
        /// Time to receive the head of a streamed answer (events, logs, stats, pull).
        public var streamHead: Duration = .seconds(30)
        /// A pull whose progress stream is silent this long is abandoned.
        public var pullInactivity: Duration = .seconds(60)
        public var pull: Duration = .seconds(7200)
        public init() {}
    }

    public struct Limits: Sendable {
        /// Largest buffered answer (inspect, list).
        public var body: Int = 16 << 20
        /// Largest error body read to extract Docker's message.
        public var errorBody: Int = 64 << 10
        /// Largest single JSON document inside a stream (one event, one stats sample).
        public var streamDocument: Int = 1 << 20
        /// Largest exec output collected by `execRun`.
        public var execOutput: Int = 4 << 20
        /// Connections to dockerd kept at once; calls beyond it wait for one to free up. The
        /// events stream holds one for good, and a burst of 30 launches wants 30.
        public var connections: Int = 32
        public init() {}
    }

    /// The oldest API version this client speaks, and the newest it asks for.
    public static let minimumAPIVersion = APIVersion(1, 25)
    public static let maximumAPIVersion = APIVersion(1, 44)

    public let endpoint: DockerEndpoint
    public let timeouts: Timeouts
    public let limits: Limits
    let http: HTTPClient
    let logger: Logger
    private let negotiated = Mutex<APIVersion?>(nil)

    public init(endpoint: DockerEndpoint = .default, timeouts: Timeouts = .init(), limits: Limits = .init(), logger: Logger) {
        self.endpoint = endpoint
        self.timeouts = timeouts
        self.limits = limits
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5))
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, limits.connections))
        // A missing or refusing socket should fail the call now, not be retried until its
        // deadline: callers (the events loop, the engine) have their own retry policies.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes idle connections and refuses further calls.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// The API version in use, once negotiated.
    public var apiVersion: APIVersion? { negotiated.withLock { $0 } }

    func setAPIVersion(_ version: APIVersion) {
        negotiated.withLock { $0 = version }
    }

    // MARK: requests

    struct Request {
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]? = nil
        var headers: [(String, String)] = []
        /// Whether the path is prefixed with the negotiated version (`/_ping` is not).
        var versioned = true
    }

    func makeRequest(_ r: Request) -> HTTPClientRequest {
        var path = r.path
        if r.versioned, let v = apiVersion { path = "/v\(v)" + path }
        if !r.query.isEmpty {
            path += "?" + r.query.map { "\(Self.queryEncode($0.0))=\(Self.queryEncode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = r.method
        // Docker (Go net/http) rejects the percent-encoded socket path AsyncHTTPClient would
        // send as Host on a Unix socket; any plain name will do.
        request.headers.replaceOrAdd(name: "Host", value: "docker")
        request.headers.add(name: "User-Agent", value: "ecs-agent-swift")
        for (name, value) in r.headers { request.headers.add(name: name, value: value) }
        if let body = r.body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Sends a request and buffers the answer. Non-2xx answers (304 excepted when
    /// `acceptNotModified`) become `.http` with Docker's message.
    func send(_ r: Request, operation: String, timeout: Duration, acceptNotModified: Bool = false) async throws -> (status: Int, body: ByteBuffer) {
        let request = makeRequest(r)
        let limit = limits.body
        return try await withDeadline(timeout, operation: operation) { [http, logger] in
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, deadline: .now() + .init(timeout), logger: logger)
            } catch {
                throw self.map(error, operation: operation, timeout: timeout)
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) || (acceptNotModified && status == 304) {
                do {
                    return (status, try await response.body.collect(upTo: limit))
                } catch {
                    throw self.map(error, operation: operation, timeout: timeout, limit: limit)
                }
            }
            throw await self.httpError(response, operation: operation)
        }
    }

    /// Sends a request whose answer is a stream. The deadline covers the answer's head only;
    /// the caller consumes the body and owns its pace.
    func open(_ r: Request, operation: String, headTimeout: Duration) async throws -> HTTPClientResponse {
        let request = makeRequest(r)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + .init(headTimeout), logger: logger)
        } catch {
            throw self.map(error, operation: operation, timeout: headTimeout)
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw await httpError(response, operation: operation)
        }
        return response
    }

    func httpError(_ response: HTTPClientResponse, operation: String) async -> DockerError {
        let status = Int(response.status.code)
        let body = (try? await response.body.collect(upTo: limits.errorBody)).map { String(buffer: $0) } ?? ""
        var message = body.trimmed()
        struct ErrorBody: Decodable { var message: String }
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)) { message = decoded.message }
        if message.isEmpty { message = response.status.reasonPhrase }
        return .http(operation: operation, status: status, message: message)
    }

    /// Decodes a buffered JSON answer.
    func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw DockerError.decoding(operation: operation, reason: "\(error)")
        }
    }

    func encode(_ value: some Encodable, operation: String) throws -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            throw DockerError.decoding(operation: operation, reason: "cannot encode the request: \(error)")
        }
    }

    func map(_ error: any Error, operation: String, timeout: Duration, limit: Int = 0) -> any Error {
        switch error {
        case let e as DockerError: return e
        case is CancellationError: return error
        case let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout:
            return DockerError.timeout(operation: operation, after: timeout)
        case let e as HTTPClientError where e == .cancelled:
            return CancellationError()
        case is NIOTooManyBytesError:
            return DockerError.bodyTooLarge(operation: operation, limit: limit)
        default:
            return DockerError.transport(operation: operation, reason: "\(endpoint): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return io.description }
        if let http = error as? HTTPClientError { return http.description }
        return "\(error)"
    }

    static func queryEncode(_ s: String) -> String {
        DockerEndpoint.percentEncode(s)
    }
}

/// Runs `body`, and throws `.timeout` if it has not finished after `timeout`.
func withDeadline<T: Sendable>(
    _ timeout: Duration, operation: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DockerError.timeout(operation: operation, after: timeout)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
