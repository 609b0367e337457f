import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Instance metadata on loopback (never 169.254.169.254): IMDSv2 tokens, fixed paths, and
/// switches for the failure modes the client must survive.
public final class FakeIMDS: @unchecked Sendable {
    private var storedPaths: [String: String]
    public var paths: [String: String] {
        get { lock.withLock { storedPaths } }
        set { lock.withLock { storedPaths = newValue } }
    }
    /// Answer the token PUT with this status instead of issuing a token (403/404/405 → v1 fallback).
    public var tokenStatus: Int?
    /// Require a token on GETs (IMDSv2-only instance).
    public var requireToken = false
    public private(set) var requests: [String] = []
    public private(set) var url = ""
    let lock = NSLock()
    private var task: Task<Void, any Error>?
    let token = "fake-imds-token-\(UUID().uuidString.prefix(6))"

    public init(paths: [String: String] = FakeIMDS.ec2Paths) {
        self.storedPaths = paths
    }

    public static let identityDocument = #"{"accountId":"123456789012","architecture":"x86_64","availabilityZone":"us-west-2b","instanceId":"i-0fake0000000001","instanceType":"m5.large","region":"us-west-2"}"#
    public static let ec2Paths: [String: String] = [
        "/latest/dynamic/instance-identity/document": identityDocument,
        "/latest/dynamic/instance-identity/signature": "ZmFrZS1zaWduYXR1cmU=",
        "/latest/meta-data/instance-id": "i-0fake0000000001",
        "/latest/meta-data/placement/region": "us-west-2",
        "/latest/meta-data/placement/availability-zone": "us-west-2b",
        "/latest/meta-data/iam/security-credentials/": "fake-role",
        "/latest/meta-data/iam/security-credentials/fake-role":
            #"{"Code":"Success","AccessKeyId":"ASIAFAKEROLE","SecretAccessKey":"role-secret","Token":"role-token","Expiration":"2099-01-01T00:00:00Z"}"#,
    ]

    func record(_ line: String) { lock.withLock { requests.append(line) } }

    public func start() async throws {
        let router = Router()
        router.middlewares.add(Handler(imds: self))
        let ready = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test.fake-imds")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        task = Task { try await app.runService() }
        var it = ready.stream.makeAsyncIterator()
        let port = await it.next() ?? 0
        url = "http://127.0.0.1:\(port)"
    }

    public func stop() async {
        task?.cancel()
        _ = try? await task?.value
    }
}

/// Answers every request itself: IMDS paths are arbitrary depth, some end in "/".
struct Handler<Context: RequestContext>: RouterMiddleware {
    let imds: FakeIMDS
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        imds.respond(method: request.method.rawValue, path: request.uri.path,
                     ttl: request.headers[.init("X-aws-ec2-metadata-token-ttl-seconds")!],
                     token: request.headers[.init("X-aws-ec2-metadata-token")!])
    }
}

extension FakeIMDS {
    func respond(method: String, path: String, ttl: String?, token: String?) -> Response {
        if method == "PUT" && path == "/latest/api/token" {
            record("PUT /latest/api/token")
            if let status = tokenStatus { return Response(status: .init(code: status)) }
            guard ttl != nil else { return Response(status: .badRequest) }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: self.token)))
        }
        let hasToken = token == self.token
        record("\(method) \(path)\(hasToken ? " token" : "")")
        if requireToken && !hasToken { return Response(status: .unauthorized) }
        guard method == "GET", let body = lock.withLock({ storedPaths[path] }) else { return Response(status: .notFound) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
