public import AsyncHTTPClient
import ECSModel
import NIOCore
import NIOHTTP1
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// EC2 instance metadata (IMDSv2 with an IMDSv1 fallback, protocol.md §7). Every call is short
/// and bounded: a missing IMDS (ECS Anywhere, a laptop) must cost seconds, not minutes.
/// The endpoint can be overridden (`AWS_EC2_METADATA_SERVICE_ENDPOINT`; tests use a fake on
/// loopback) and the client disabled (`AWS_EC2_METADATA_DISABLED=true`, or ECS_EXTERNAL).
public actor IMDSClient {
    public struct Options: Sendable {
        public var endpoint: String
        public var enabled: Bool
        public var v1Disabled: Bool
        /// Bound of one HTTP exchange (token or GET).
        public var timeout: Duration
        public var attempts: Int
        public var tokenTTLSeconds: Int

        public init(endpoint: String = "http://169.254.169.254", enabled: Bool = true, v1Disabled: Bool = false,
                    timeout: Duration = .seconds(1), attempts: Int = 3, tokenTTLSeconds: Int = 21600) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.enabled = enabled
            self.v1Disabled = v1Disabled
            self.timeout = timeout
            self.attempts = attempts
            self.tokenTTLSeconds = tokenTTLSeconds
        }

        /// From the AWS SDK environment variables; `external` (ECS Anywhere) turns IMDS off.
        public static func from(environment env: [String: String], external: Bool) -> Options {
            var o = Options()
            if let endpoint = env["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !endpoint.isEmpty {
                o.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            } else if env["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6" {
                o.endpoint = "http://[fd00:ec2::254]"
            }
            o.enabled = !external && env["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true"
            o.v1Disabled = env["AWS_EC2_METADATA_V1_DISABLED"]?.lowercased() == "true"
            return o
        }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case disabled
        case status(path: String, code: Int)
        case transport(path: String, reason: String)

        public var description: String {
            switch self {
            case .disabled: "instance metadata is disabled"
            case .status(let path, let code): "instance metadata \(path) answered \(code)"
            case .transport(let path, let reason): "instance metadata \(path) unreachable: \(reason)"
            }
        }

        /// A 404: the path does not exist on this instance (no role, no outpost).
        public var isNotFound: Bool { if case .status(_, 404) = self { true } else { false } }
    }

    public let options: Options
    private let http: HTTPClient
    private var token: (value: String, expires: Date)?
    /// Set once IMDSv2 proved unavailable (403/404/405 on the token PUT): plain GETs from then
    /// on. A token request that times out falls back for that call only.
    private var useV1 = false

    public init(options: Options, http: HTTPClient = AWSHTTP.client) {
        self.options = options
        self.http = http
    }

    public var isEnabled: Bool { options.enabled }

    /// The body of `path` (e.g. `/latest/meta-data/instance-id`) as text.
    public func get(_ path: String) async throws -> String {
        guard options.enabled else { throw Failure.disabled }
        var last: Failure = .transport(path: path, reason: "no attempt")
        for attempt in 0..<max(1, options.attempts) {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(100 * (1 << attempt))) }
            do {
                var headers: [(String, String)] = []
                if let token = try await sessionToken() { headers.append(("X-aws-ec2-metadata-token", token)) }
                let (status, body) = try await exchange(.GET, path, headers: headers)
                switch status {
                case 200: return body
                case 401:
                    token = nil // expired token: fetch a new one and retry
                    last = .status(path: path, code: status)
                case 404, 403, 400: throw Failure.status(path: path, code: status)
                default: last = .status(path: path, code: status)
                }
            } catch let failure as Failure {
                if case .status(_, let code) = failure, [400, 403, 404].contains(code) { throw failure }
                last = failure
            }
        }
        throw last
    }

    public func identityDocument() async throws -> String { try await get("/latest/dynamic/instance-identity/document") }
    public func identitySignature() async throws -> String { try await get("/latest/dynamic/instance-identity/signature") }
    public func instanceId() async throws -> String { try await get("/latest/meta-data/instance-id") }
    public func availabilityZone() async throws -> String { try await get("/latest/meta-data/placement/availability-zone") }

    /// The region: from the identity document, else `placement/region`.
    public func region() async throws -> String {
        if let doc = try? await identityDocument(), let region = Self.field("region", in: doc) { return region }
        return try await get("/latest/meta-data/placement/region")
    }

    static func field(_ name: String, in document: String) -> String? {
        JSONValue.parse(document)?[name]?.stringValue
    }

    private func sessionToken() async throws -> String? {
        if useV1 { return nil }
        if let token, token.expires > Date() { return token.value }
        do {
            let (status, body) = try await exchange(.PUT, "/latest/api/token", headers: [("X-aws-ec2-metadata-token-ttl-seconds", String(options.tokenTTLSeconds))])
            switch status {
            case 200:
                token = (body, Date() + Double(options.tokenTTLSeconds) * 0.9)
                return body
            case 403, 404, 405:
                return try v1Fallback(reason: "token request answered \(status)", permanent: true)
            default:
                throw Failure.status(path: "/latest/api/token", code: status)
            }
        } catch Failure.transport(_, let reason) {
            return try v1Fallback(reason: reason, permanent: false)
        }
    }

    private func v1Fallback(reason: String, permanent: Bool) throws -> String? {
        guard !options.v1Disabled else { throw Failure.transport(path: "/latest/api/token", reason: "\(reason), and IMDSv1 is disabled") }
        if permanent { useV1 = true }
        return nil
    }

    private func exchange(_ method: HTTPMethod, _ path: String, headers: [(String, String)]) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: options.endpoint + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            let response = try await http.execute(request, timeout: .init(options.timeout))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        } catch let error as HTTPClientError {
            throw Failure.transport(path: path, reason: "\(error)")
        } catch let error as CancellationError {
            throw error
        } catch {
            throw Failure.transport(path: path, reason: "\(error)")
        }
    }
}
