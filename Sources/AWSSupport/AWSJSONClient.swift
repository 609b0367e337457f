public import AsyncHTTPClient
public import ECSModel
import NIOCore
import NIOHTTP1
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An AWS JSON 1.1 client (`POST /`, `X-Amz-Target`), SigV4-signed with the credential chain.
/// Each attempt has a deadline; throttling, 5xx and transport failures are retried with
/// jittered backoff; a refused signature refreshes the credentials once.
public struct AWSJSONClient: Sendable {
    public struct Options: Sendable {
        public var endpoint: String
        public var region: String
        public var service: String
        public var targetPrefix: String
        public var userAgent: String
        /// Bound of one attempt (the Go agent's client timeout is 42 s).
        public var timeout: Duration
        public var attempts: Int
        public var backoff: Backoff

        public init(endpoint: String, region: String, service: String = "ecs",
                    targetPrefix: String = "AmazonEC2ContainerServiceV20141113", userAgent: String,
                    timeout: Duration = .seconds(42), attempts: Int = 3,
                    backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(20), multiplier: 2, jitter: 0.5)) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.region = region
            self.service = service
            self.targetPrefix = targetPrefix
            self.userAgent = userAgent
            self.timeout = timeout
            self.attempts = attempts
            self.backoff = backoff
        }
    }

    public enum CallError: Error, Sendable, CustomStringConvertible {
        /// The service answered with an error body.
        case service(AWSError)
        /// No answer: connection refused, reset, timed out.
        case transport(operation: String, reason: String)
        /// An answer we cannot read.
        case malformed(operation: String, reason: String)
        /// No credentials to sign with.
        case credentials(String)

        public var description: String {
            switch self {
            case .service(let e): "\(e.type): \(e.message)"
            case .transport(let op, let reason): "\(op): no answer from the endpoint: \(reason)"
            case .malformed(let op, let reason): "\(op): unreadable answer: \(reason)"
            case .credentials(let reason): reason
            }
        }

        /// Worth another attempt later (protocol.md §2.1: throttling, server errors, no answer).
        public var isTransient: Bool {
            switch self {
            case .service(let e): e.status >= 500 || Self.transientTypes.contains(e.type)
            case .transport: true
            case .malformed, .credentials: false
            }
        }

        public var awsError: AWSError? { if case .service(let e) = self { e } else { nil } }

        static let transientTypes: Set<String> = ["ThrottlingException", "ServerException", "LimitExceededException",
                                                   "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable"]
        static let signatureTypes: Set<String> = ["InvalidSignatureException", "ExpiredTokenException", "UnrecognizedClientException",
                                                   "SignatureDoesNotMatch", "IncompleteSignatureException"]
    }

    public let options: Options
    let credentials: CredentialChain
    let http: HTTPClient

    public init(options: Options, credentials: CredentialChain, http: HTTPClient = AWSHTTP.client) {
        self.options = options
        self.credentials = credentials
        self.http = http
    }

    /// Calls `operation` with `input`; returns the decoded output object.
    public func call(_ operation: String, _ input: JSONValue) async throws(CallError) -> JSONValue {
        try await call(operation, body: Array(input.jsonText.utf8))
    }

    /// Calls `operation` with a request body already encoded (large bodies skip `JSONValue`).
    public func call(_ operation: String, body: [UInt8]) async throws(CallError) -> JSONValue {
        var backoff = options.backoff
        var refreshedCredentials = false
        var attempt = 1
        while true {
            do {
                return try await once(operation, body: body)
            } catch {
                if case .service(let e) = error, CallError.signatureTypes.contains(e.type), !refreshedCredentials {
                    refreshedCredentials = true
                    await credentials.invalidate()
                    continue
                }
                guard error.isTransient, attempt < options.attempts else { throw error }
                attempt += 1
                do { try await Task.sleep(for: backoff.next()) } catch { throw .transport(operation: operation, reason: "cancelled") }
            }
        }
    }

    /// One signed attempt, no retry.
    public func once(_ operation: String, _ input: JSONValue) async throws(CallError) -> JSONValue {
        try await once(operation, body: Array(input.jsonText.utf8))
    }

    public func once(_ operation: String, body: [UInt8]) async throws(CallError) -> JSONValue {
        let creds: AWSCredentials
        do { creds = try await credentials.credentials() } catch { throw .credentials("\(error)") }
        guard let hostStart = options.endpoint.firstRange(of: "://") else { throw .transport(operation: operation, reason: "endpoint \(options.endpoint) has no scheme") }
        let host = String(options.endpoint[hostStart.upperBound...].prefix { $0 != "/" })
        var signing = SigV4.Request(method: "POST", path: "/", headers: [
            ("Host", host), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(options.targetPrefix).\(operation)"),
        ], body: body)
        signing.headers += SigV4.sign(signing, credentials: creds, region: options.region, service: options.service)
        var request = HTTPClientRequest(url: options.endpoint + "/")
        request.method = .POST
        for (name, value) in signing.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "User-Agent", value: options.userAgent)
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let text: String
        let errorHeader: String?
        let requestId: String?
        do {
            let response = try await http.execute(request, timeout: .init(options.timeout))
            status = Int(response.status.code)
            errorHeader = response.headers.first(name: "x-amzn-ErrorType")
            requestId = response.headers.first(name: "x-amzn-RequestId")
            text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        } catch {
            throw .transport(operation: operation, reason: "\(error)")
        }
        let parsed = JSONValue.parse(text)
        guard (200..<300).contains(status) else {
            var error = Self.decodeError(status: status, body: parsed, header: errorHeader, raw: text)
            error.requestId = requestId
            throw .service(error)
        }
        // Operations without output (CreateLogGroup, CreateLogStream) may answer with no body.
        if parsed == nil && text.allSatisfy(\.isWhitespace) { return .object([:]) }
        guard let parsed else { throw .malformed(operation: operation, reason: "not JSON: \(text.prefix(200))") }
        return parsed
    }

    /// `{"__type": "ns#Type", "message": "..."}` or the `x-amzn-ErrorType` header; the type is
    /// cut at `#` and `:` as the SDK does.
    static func decodeError(status: Int, body: JSONValue?, header: String?, raw: String) -> AWSError {
        var type = body?["__type"]?.stringValue ?? header ?? (status >= 500 ? "ServerException" : "UnknownError")
        if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
        if let colon = type.firstIndex(of: ":") { type = String(type[..<colon]) }
        let message = body?["message"]?.stringValue ?? body?["Message"]?.stringValue ?? String(raw.prefix(300))
        return AWSError(type, message, status: status)
    }
}

/// Where the ECS API lives (protocol.md §2.1).
public enum ECSEndpoint {
    /// `ECS_BACKEND_HOST` when set (`https://` added when it has no scheme), else the regional
    /// endpoint of the region's partition, FIPS when the host is in FIPS mode.
    public static func resolve(backendHost: String?, region: String, fips: Bool = false) -> String {
        if let host = backendHost?.trimmingSpaces(), !host.isEmpty {
            return host.hasPrefix("http://") || host.hasPrefix("https://") ? host : "https://" + host
        }
        return "https://\(fips ? "ecs-fips" : "ecs").\(region).\(dnsSuffix(region: region))"
    }

    /// The DNS suffix of the region's partition (every AWS service endpoint uses it).
    public static func dnsSuffix(region: String) -> String {
        if region.hasPrefix("cn-") { return "amazonaws.com.cn" }
        if region.hasPrefix("us-isob-") { return "sc2s.sgov.gov" }
        if region.hasPrefix("us-iso-") { return "c2s.ic.gov" }
        return "amazonaws.com"
    }
}
