#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The parts of an absolute URL that signing needs, without Foundation's URL (whose
/// normalisation could change the bytes that were signed).
public struct URLParts: Sendable, Hashable {
    public var scheme: String
    /// `host` or `host:port`, as the `Host` header carries it.
    public var authority: String
    /// Percent-encoded path, `/` when empty.
    public var path: String
    /// Raw query without `?`, or empty.
    public var query: String

    public init?(_ url: String) {
        guard let sep = url.firstRange(of: "://") else { return nil }
        scheme = String(url[..<sep.lowerBound]).lowercased()
        let rest = url[sep.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        authority = String(rest[..<authorityEnd])
        guard !authority.isEmpty else { return nil }
        let tail = rest[authorityEnd...]
        if let q = tail.firstIndex(of: "?") {
            path = String(tail[..<q])
            query = String(tail[tail.index(after: q)...])
        } else {
            path = String(tail)
            query = ""
        }
        if path.isEmpty { path = "/" }
    }

    public var string: String { "\(scheme)://\(authority)\(path)\(query.isEmpty ? "" : "?" + query)" }

    /// The same URL with another scheme (`https` → `wss` for a websocket dial).
    public func with(scheme: String) -> URLParts {
        var copy = self
        copy.scheme = scheme
        return copy
    }
}

extension SigV4 {
    /// Headers for a websocket upgrade `GET` of `url` (protocol.md §3.1): signed over the full
    /// URL with an empty payload; `host;x-amz-date[;x-amz-security-token]` signed.
    public static func signUpgrade(url: URLParts, credentials: AWSCredentials, region: String, service: String = "ecs",
                                   date: Date = Date()) -> [(String, String)] {
        let request = Request(method: "GET", path: url.path, query: url.query, headers: [("Host", url.authority)], payloadHash: emptyPayloadHash)
        return sign(request, credentials: credentials, region: region, service: service, date: date)
    }

    /// A TCS frame (protocol.md §5.2): a `GET` of the http(s) form of the TCS URL carrying
    /// `envelope` as its body is signed; the header block (Go `http.Header.Write` format:
    /// canonical names sorted, `Name: value\r\n`), an empty line, then the envelope.
    public static func signedTelemetryFrame(_ envelope: String, url: URLParts, credentials: AWSCredentials, region: String,
                                            service: String = "ecs", date: Date = Date()) -> String {
        let httpURL = url.with(scheme: url.scheme == "wss" || url.scheme == "https" ? "https" : "http")
        let request = Request(method: "GET", path: httpURL.path, query: httpURL.query, headers: [("Host", httpURL.authority)],
                              body: Array(envelope.utf8))
        var headers = sign(request, credentials: credentials, region: region, service: service, date: date)
        headers.append(("Host", httpURL.authority))
        let block = headers.sorted { $0.0 < $1.0 }.map { "\($0.0): \($0.1)\r\n" }.joined()
        return block + "\r\n" + envelope
    }
}
