import AsyncHTTPClient
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// STS `AssumeRole` (the query protocol, XML answers): how ecs-local obtains real temporary
/// credentials for task and execution roles from an STS endpoint (AWS, or moto on loopback).
public struct STSClient: Sendable {
    public struct AssumedRole: Sendable {
        public var credentials: AWSCredentials
        /// As STS wrote it (RFC 3339), passed on to agents unchanged.
        public var expiration: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case transport(String)
        case service(status: Int, code: String, message: String)
        case malformed(String)

        public var description: String {
            switch self {
            case .transport(let reason): "sts: cannot reach the endpoint: \(reason)"
            case .service(let status, let code, let message): "sts answered \(status) \(code): \(message)"
            case .malformed(let what): "sts: unexpected answer: \(what)"
            }
        }
    }

    public let endpoint: String
    public let region: String
    public let credentials: AWSCredentials
    public let timeout: Duration

    public init(endpoint: String, region: String, credentials: AWSCredentials, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.credentials = credentials
        self.timeout = timeout
    }

    public func assumeRole(roleArn: String, sessionName: String, durationSeconds: Int = 3600) async throws -> AssumedRole {
        let body = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleArn),
                    ("RoleSessionName", sessionName), ("DurationSeconds", String(durationSeconds))]
            .map { "\(URIEncoding.encode($0.0))=\(URIEncoding.encode($0.1))" }.joined(separator: "&")
        guard let hostStart = endpoint.firstRange(of: "://") else { throw Failure.malformed("endpoint \(endpoint) has no scheme") }
        let host = String(endpoint[hostStart.upperBound...].prefix { $0 != "/" })
        let bytes = Array(body.utf8)
        var signing = SigV4.Request(method: "POST", path: "/", headers: [
            ("Host", host), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ], body: bytes)
        signing.headers += SigV4.sign(signing, credentials: credentials, region: region, service: "sts")
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .POST
        for (name, value) in signing.headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let text: String
        let status: Int
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
            status = Int(response.status.code)
            text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw Failure.transport("\(error)")
        }
        guard status == 200 else {
            throw Failure.service(status: status, code: Self.element("Code", in: text) ?? "?", message: Self.element("Message", in: text) ?? text.prefix(200).description)
        }
        guard let key = Self.element("AccessKeyId", in: text), let secret = Self.element("SecretAccessKey", in: text),
              let expiration = Self.element("Expiration", in: text) else {
            throw Failure.malformed("no Credentials element in \(text.prefix(200))")
        }
        return AssumedRole(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: Self.element("SessionToken", in: text)),
                           expiration: expiration)
    }

    /// The text of the first `<name>…</name>`; STS answers are flat enough for this.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>"), let close = xml[open.upperBound...].firstRange(of: "</\(name)>") else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacing("&amp;", with: "&").replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"")
    }
}
