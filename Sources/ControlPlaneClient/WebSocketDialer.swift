public import AWSSupport
public import AsyncHTTPClient
import NIOWebSocket
import ECSModel
import HTTPTypes
public import Logging
import NIOCore
import NIOSSL
public import WSClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How one websocket connection ended, in the terms the reconnect policy needs (protocol.md §3.3).
public enum SessionEnd: Sendable, Equatable, CustomStringConvertible {
    /// Close code 1000/1001/1006/1011 or the peer went away: reconnect at once, reset the backoff.
    case clean(String)
    /// Anything else: reconnect after the backoff.
    case failed(String)
    /// The control plane says the instance is inactive (InactiveInstanceException).
    case inactive(String)

    public var description: String {
        switch self {
        case .clean(let s): "closed cleanly (\(s))"
        case .failed(let s): "failed: \(s)"
        case .inactive(let s): "instance inactive: \(s)"
        }
    }
}

/// Dials a signed websocket (ACS or TCS) and runs a handler on it. The upgrade `GET` is signed
/// with SigV4 over the full URL (protocol.md §3.1). When the server refuses the upgrade, the
/// same URL is fetched once more as a plain signed `GET` to read the refusal body, because the
/// websocket client does not expose it; the body names the exception (`InactiveInstanceException`).
public struct WebSocketDialer: Sendable {
    let credentials: CredentialChain
    let region: String
    let logger: Logger
    let http: HTTPClient
    public var maxFrameSize = 4 << 20

    public init(credentials: CredentialChain, region: String, logger: Logger, http: HTTPClient = AWSHTTP.client) {
        self.credentials = credentials
        self.region = region
        self.logger = logger
        self.http = http
    }

    /// `url` is the http(s) form; `handler` runs once connected and its return ends the session.
    public func run(
        url: URLParts,
        handler: @escaping @Sendable (WebSocketInboundStream, WebSocketOutboundWriter) async throws -> Void
    ) async -> SessionEnd {
        let creds: AWSCredentials
        do { creds = try await credentials.credentials() } catch { return .failed("no credentials: \(error)") }
        var headers = HTTPFields()
        for (name, value) in SigV4.signUpgrade(url: url, credentials: creds, region: region) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        let wsURL = url.with(scheme: url.scheme == "https" ? "wss" : "ws")
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            let close = try await WebSocketClient.connect(
                url: wsURL.string,
                configuration: .init(maxFrameSize: maxFrameSize, additionalHeaders: headers, closeTimeout: .seconds(5)),
                tlsConfiguration: tls, logger: logger
            ) { inbound, outbound, _ in
                try await handler(inbound, outbound)
            }
            guard let close else { return .clean("connection closed") }
            let code = Self.code(close.closeCode)
            let reason = close.reason ?? ""
            if [1000, 1001, 1006, 1011].contains(code) { return .clean("close \(code) \(reason)") }
            let text = "close \(code) \(reason)"
            return text.contains("InactiveInstanceException") ? .inactive(text) : .failed(text)
        } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
            let refusal = await refusalReason(url: url, credentials: creds)
            return refusal.contains("InactiveInstanceException") ? .inactive(refusal) : .failed("upgrade refused: \(refusal)")
        } catch {
            return .failed("\(error)")
        }
    }

    /// The modeled error a refusing server wrote: `{"type":"X","message":{"message":"m"}}` or
    /// `{"X":"m"}`, as `X: m`.
    static func decodeRefusal(status: Int, body: String) -> String {
        guard case .object(let o)? = JSONValue.parse(body) else { return "HTTP \(status) \(body.prefix(200))" }
        if let type = o["type"]?.stringValue {
            return "\(type): \(o["message"]?["message"]?.stringValue ?? o["message"]?.stringValue ?? "")"
        }
        if o.count == 1, let (type, message) = o.first, let text = message.stringValue { return "\(type): \(text)" }
        return "HTTP \(status) \(body.prefix(200))"
    }

    private func refusalReason(url: URLParts, credentials: AWSCredentials) async -> String {
        var request = HTTPClientRequest(url: url.string)
        for (name, value) in SigV4.signUpgrade(url: url, credentials: credentials, region: region) { request.headers.add(name: name, value: value) }
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            let body = String(buffer: try await response.body.collect(upTo: 64 << 10))
            return Self.decodeRefusal(status: Int(response.status.code), body: body)
        } catch {
            return "no readable refusal (\(error))"
        }
    }

    static func code(_ code: WebSocketErrorCode) -> Int {
        switch code {
        case .normalClosure: 1000
        case .goingAway: 1001
        case .protocolError: 1002
        case .unacceptableData: 1003
        case .dataInconsistentWithMessage: 1007
        case .policyViolation: 1008
        case .messageTooLarge: 1009
        case .missingExtension: 1010
        case .unexpectedServerError: 1011
        case .unknown(let n): Int(n)
        }
    }
}

/// Go's `url.Values.Encode`: keys sorted, RFC 3986 unreserved bytes kept, spaces as `+`.
public enum GoQuery {
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.sorted { $0.0 < $1.0 }.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: " "): out.append("+")
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// `<base>` + `ws` (with a `/` between when needed) + `?` + query.
    static func sessionURL(base: String, query: [(String, String)]) -> URLParts? {
        let joined = base.hasSuffix("/") ? base + "ws" : base + "/ws"
        return URLParts(joined + "?" + encode(query))
    }
}
