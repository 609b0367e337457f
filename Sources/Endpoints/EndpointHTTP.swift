/// One request to an endpoint, as the handlers see it: independent of the HTTP server, so
/// every answer can be checked byte for byte without a socket.
public struct EndpointRequest: Sendable {
    public var method: String
    /// The path as sent (percent-encoded); handlers work on `decodedPath`.
    public var path: String
    /// The raw query string (without `?`), nil when the URL had none.
    public var query: String?
    /// `ip:port` of the peer, as Go's `RemoteAddr` (`[v6]:port` for IPv6).
    public var remoteAddress: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String = "GET", path: String, query: String? = nil, remoteAddress: String = "127.0.0.1:40000",
                headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
    }

    /// Splits a request target (`/v1/tasks?taskarn=x`) into path and query.
    public init(method: String = "GET", target: String, remoteAddress: String = "127.0.0.1:40000", headers: [(String, String)] = [], body: [UInt8] = []) {
        if let q = target.firstIndex(of: "?") {
            self.init(method: method, path: String(target[..<q]), query: String(target[target.index(after: q)...]),
                      remoteAddress: remoteAddress, headers: headers, body: body)
        } else {
            self.init(method: method, path: target, remoteAddress: remoteAddress, headers: headers, body: body)
        }
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Go's `r.URL.Path`: percent-decoded.
    public var decodedPath: String { GoURL.unescape(path, plusIsSpace: false) ?? path }

    /// Go's `r.URL.Query()`: `key → values`, a key present even when its value is empty.
    public var queryValues: [String: [String]] { GoURL.parseQuery(query ?? "") }

    /// The IP part of `remoteAddress`.
    public var remoteIP: String {
        if remoteAddress.hasPrefix("["), let close = remoteAddress.firstIndex(of: "]") {
            return String(remoteAddress[remoteAddress.index(after: remoteAddress.startIndex)..<close])
        }
        guard let colon = remoteAddress.lastIndex(of: ":") else { return remoteAddress }
        return String(remoteAddress[..<colon])
    }
}

/// One answer: status, headers in order, body bytes.
public struct EndpointResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `Content-Type: application/json` and the compact JSON text.
    public static func json(_ status: Int, _ value: GoJSON) -> EndpointResponse {
        var body: [UInt8] = []
        value.write(to: &body)
        return EndpointResponse(status: status, headers: [Header("Content-Type", "application/json")], body: body)
    }

    /// The TMDS error form: the message as a JSON string (endpoints.md §0.8).
    public static func jsonMessage(_ status: Int, _ message: String) -> EndpointResponse {
        json(status, .string(message))
    }

    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> EndpointResponse {
        EndpointResponse(status: status, headers: [Header("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// Go's `http.NotFound`.
    public static let notFound = EndpointResponse(status: 404, headers: [Header("Content-Type", "text/plain; charset=utf-8"), Header("X-Content-Type-Options", "nosniff")],
                                                  body: Array("404 page not found\n".utf8))
}

/// The pieces of Go's net/url and path packages the endpoints' behaviour depends on.
public enum GoURL {
    /// `path.Clean` with the muxes' adjustments: rooted, trailing slash kept (endpoints.md §3.1).
    public static func cleanPath(_ p: String) -> String {
        if p.isEmpty { return "/" }
        let rooted = p.hasPrefix("/") ? p : "/" + p
        var parts: [Substring] = []
        for segment in rooted.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(segment)
            }
        }
        var cleaned = "/" + parts.joined(separator: "/")
        if rooted.hasSuffix("/") && cleaned != "/" { cleaned += "/" }
        return cleaned
    }

    /// Percent-decoding; nil for a malformed escape (Go then answers 400 before any handler).
    public static func unescape(_ s: String, plusIsSpace: Bool) -> String? {
        guard s.contains("%") || (plusIsSpace && s.contains("+")) else { return s }
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%") {
                guard bytes.count >= 2, let hi = hex(bytes[bytes.startIndex]), let lo = hex(bytes[bytes.startIndex + 1]) else { return nil }
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else if plusIsSpace && b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `url.ParseQuery`, keeping what parses (Go's `Query()` ignores the error).
    public static func parseQuery(_ query: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            // Go 1.17+ rejects semicolons in a pair; the pair is skipped.
            if pair.contains(";") { continue }
            let (rawKey, rawValue) = pair.firstIndex(of: "=").map { (pair[..<$0], pair[pair.index(after: $0)...]) } ?? (pair, "")
            guard let key = unescape(String(rawKey), plusIsSpace: true), let value = unescape(String(rawValue), plusIsSpace: true) else { continue }
            out[key, default: []].append(value)
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
