public import Crypto
import ECSModel
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// AWS Signature Version 4 (header form): the canonical request, the string to sign, the
/// signing key and the Authorization header. Used to sign (the agent's ECS calls and ACS/TCS
/// handshakes) and to verify (ecs-local).
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// sha256 of the empty string: the payload hash of a websocket upgrade.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The parts of an HTTP request that SigV4 covers.
    public struct Request: Sendable {
        public var method: String
        /// The path as sent on the wire (already percent-encoded).
        public var path: String
        /// The raw query string as sent (without `?`), or empty.
        public var query: String
        /// Header names in any case; repeated names are joined with commas.
        public var headers: [(String, String)]
        public var payloadHash: String

        public init(method: String, path: String, query: String = "", headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.path = path.isEmpty ? "/" : path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }

        public init(method: String, path: String, query: String = "", headers: [(String, String)], body: [UInt8]) {
            self.init(method: method, path: path, query: query, headers: headers, payloadHash: Hex.sha256(body))
        }

        func header(_ name: String) -> String? {
            let values = headers.filter { $0.0.lowercased() == name }.map(\.1)
            return values.isEmpty ? nil : values.joined(separator: ",")
        }
    }

    /// `20150830/us-east-1/service/aws4_request`.
    public struct Scope: Sendable, Hashable {
        public var date: String
        public var region: String
        public var service: String
        public var text: String { "\(date)/\(region)/\(service)/aws4_request" }
    }

    // MARK: canonical forms

    static func canonicalURI(_ path: String) -> String {
        // Non-S3 services: the path is encoded once more, segment by segment.
        URIEncoding.encode(path, keepSlash: true)
    }

    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = URIEncoding.encode(URIEncoding.decode(parts[0], plusIsSpace: true))
            let value = parts.count > 1 ? URIEncoding.encode(URIEncoding.decode(parts[1], plusIsSpace: true)) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    static func canonicalHeaderValue(_ value: String) -> String {
        // Trim, and fold runs of spaces into one.
        var out = ""
        var lastSpace = false
        for c in value.trimmingSpaces() {
            if c == " " || c == "\t" {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(c)
                lastSpace = false
            }
        }
        return out
    }

    public static func canonicalRequest(_ request: Request, signedHeaders: [String]) -> String {
        let headerLines = signedHeaders.map { "\($0):\(canonicalHeaderValue(request.header($0) ?? ""))\n" }.joined()
        return [
            request.method.uppercased(),
            canonicalURI(request.path),
            canonicalQuery(request.query),
            headerLines,
            signedHeaders.joined(separator: ";"),
            request.payloadHash,
        ].joined(separator: "\n")
    }

    public static func stringToSign(amzDate: String, scope: Scope, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope.text, Hex.sha256(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    public static func signingKey(secret: String, scope: Scope) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key))
        }
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in [scope.date, scope.region, scope.service, "aws4_request"] { key = hmac(key, part) }
        return key
    }

    public static func signature(secret: String, scope: Scope, stringToSign: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(secret: secret, scope: scope)))
    }

    // MARK: signing

    /// Returns the headers to add to `request`: `X-Amz-Date`, `X-Amz-Security-Token` when the
    /// credentials carry one, and `Authorization`. Every header of the request is signed, so
    /// callers add `Host` (and content headers) before signing.
    public static func sign(
        _ request: Request, credentials: AWSCredentials, region: String, service: String, date: Date = Date()
    ) -> [(String, String)] {
        let amzDate = amzDateFormat(date)
        var added: [(String, String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        var signing = request
        signing.headers += added
        let names = Set(signing.headers.map { $0.0.lowercased() }).subtracting(unsignedHeaders).sorted()
        let scope = Scope(date: String(amzDate.prefix(8)), region: region, service: service)
        let canonical = canonicalRequest(signing, signedHeaders: names)
        let signature = signature(secret: credentials.secretAccessKey, scope: scope,
                                  stringToSign: stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical))
        added.append(("Authorization", "\(algorithm) Credential=\(credentials.accessKeyId)/\(scope.text), SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"))
        return added
    }

    /// Headers that proxies rewrite and that AWS SDKs leave unsigned.
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "x-amzn-trace-id", "expect", "connection", "content-length"]

    /// `20150830T123600Z`.
    public static func amzDateFormat(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (y, m, d) = CivilTime.civilFromDays(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)\(two(m))\(two(d))T\(two(secondOfDay / 3600))\(two(secondOfDay / 60 % 60))\(two(secondOfDay % 60))Z"
    }

    /// Parses `20150830T123600Z`.
    public static func parseAmzDate(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int64? { Int64(String(decoding: u[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11), let mi = num(11..<13),
              let s = num(13..<15), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let days = CivilTime.daysFromCivil(y, mo, d)
        return Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + s))
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
