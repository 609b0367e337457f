#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import ECSModel
import PosixFiles

/// Credentials and when they stop working (`nil`: never, as for long-term keys).
public struct ExpiringCredentials: Sendable {
    public var credentials: AWSCredentials
    public var expiration: Date?
    /// Which provider produced them, for logs ("environment", "shared file default", ...).
    public var source: String

    public init(credentials: AWSCredentials, expiration: Date?, source: String) {
        self.credentials = credentials
        self.expiration = expiration
        self.source = source
    }
}

/// One link of the credential chain. `nil` means "nothing here, try the next provider";
/// a throw means this provider should have had credentials and failed (logged, then the
/// chain goes on).
public protocol CredentialProvider: Sendable {
    var name: String { get }
    func load() async throws -> ExpiringCredentials?
}

public enum CredentialError: Error, Sendable, CustomStringConvertible {
    case none(tried: [String], failures: [String])
    case malformed(source: String, reason: String)

    public var description: String {
        switch self {
        case .none(let tried, let failures):
            "no AWS credentials found (tried \(tried.joined(separator: ", "))"
                + (failures.isEmpty ? ")" : "; " + failures.joined(separator: "; ") + ")")
        case .malformed(let source, let reason): "credentials from \(source) are unusable: \(reason)"
        }
    }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (the process environment,
/// or ecs.config, which feeds the same names).
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    let values: [String: String]

    public init(values: [String: String]) { self.values = values }

    public func load() async throws -> ExpiringCredentials? {
        guard let key = values["AWS_ACCESS_KEY_ID"], !key.isEmpty else { return nil }
        guard let secret = values["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw CredentialError.malformed(source: name, reason: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = values["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return ExpiringCredentials(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token), expiration: nil, source: name)
    }
}

/// An INI credentials file (`~/.aws/credentials` form), one profile. Re-read on every load,
/// which is what the ECS Anywhere rotating file (`/rotatingcreds/credentials`, rewritten by the
/// SSM agent) needs; the chain decides how often to load.
public struct SharedCredentialsFileProvider: CredentialProvider {
    public let path: String
    public let profile: String
    /// How long credentials from a file are trusted before the file is read again.
    public let rereadAfter: Duration
    public var name: String { "\(path) [\(profile)]" }

    public init(path: String, profile: String = "default", rereadAfter: Duration = .seconds(60)) {
        self.path = path
        self.profile = profile
        self.rereadAfter = rereadAfter
    }

    public func load() async throws -> ExpiringCredentials? {
        guard let text = PosixFile.read(path, limit: 1 << 20).text else { return nil }
        let sections = Self.parseINI(text)
        guard let section = sections[profile] ?? sections["profile \(profile)"] else { return nil }
        guard let key = section["aws_access_key_id"], !key.isEmpty else { return nil }
        guard let secret = section["aws_secret_access_key"], !secret.isEmpty else {
            throw CredentialError.malformed(source: name, reason: "aws_access_key_id without aws_secret_access_key")
        }
        let token = section["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return ExpiringCredentials(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token),
                                   expiration: Date() + rereadAfter.seconds, source: name)
    }

    /// `[section]` then `key = value` lines; `#` and `;` start comments; keys lower-cased.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingSpaces()
                continue
            }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingSpaces().lowercased()
            let value = line[line.index(after: eq)...].trimmingSpaces()
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}

/// The instance role, from IMDS (`iam/security-credentials/<role>`).
public struct IMDSRoleCredentialProvider: CredentialProvider {
    public let name = "instance role (IMDS)"
    let imds: IMDSClient

    public init(imds: IMDSClient) { self.imds = imds }

    public func load() async throws -> ExpiringCredentials? {
        guard await imds.isEnabled else { return nil }
        let roles = try await imds.get("/latest/meta-data/iam/security-credentials/")
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else { return nil }
        let text = try await imds.get("/latest/meta-data/iam/security-credentials/\(role)")
        let data = Data(text.utf8)
        guard
              let document = try? JSONDecoder().decode(RoleDocument.self, from: data),
              let key = document.AccessKeyId, let secret = document.SecretAccessKey else {
            throw CredentialError.malformed(source: name, reason: "the role document for \(role) has no AccessKeyId/SecretAccessKey")
        }
        return ExpiringCredentials(credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: document.Token),
                                   expiration: document.Expiration.flatMap(RFC3339.parse), source: "\(name) \(role)")
    }

    struct RoleDocument: Decodable {
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var Token: String?
        var Expiration: String?
    }
}

/// Tries providers in order and caches what the first one found until shortly before it
/// expires. One actor per agent; every signer asks it.
public actor CredentialChain {
    let providers: [any CredentialProvider]
    /// Refresh this long before expiry, so a request signed now is still valid when it lands.
    let refreshAhead: Duration
    private var cached: ExpiringCredentials?
    private var inFlight: Task<ExpiringCredentials, any Error>?

    public init(_ providers: [any CredentialProvider], refreshAhead: Duration = .seconds(300)) {
        self.providers = providers
        self.refreshAhead = refreshAhead
    }

    public func credentials() async throws -> AWSCredentials {
        try await current().credentials
    }

    public func current() async throws -> ExpiringCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        if let inFlight { return try await inFlight.value }
        let providers = providers
        let task = Task { try await Self.resolve(providers) }
        inFlight = task
        defer { inFlight = nil }
        do {
            let fresh = try await task.value
            cached = fresh
            return fresh
        } catch {
            // Still-valid credentials beat none while a provider hiccups.
            if let cached, let expiration = cached.expiration, expiration > Date() { return cached }
            throw error
        }
    }

    /// Forget the cache (after the server refused our signature, for instance).
    public func invalidate() { cached = nil }

    func needsRefresh(_ c: ExpiringCredentials) -> Bool {
        guard let expiration = c.expiration else { return false }
        return expiration.timeIntervalSinceNow < refreshAhead.seconds
    }

    static func resolve(_ providers: [any CredentialProvider]) async throws -> ExpiringCredentials {
        var failures: [String] = []
        for provider in providers {
            do {
                if let found = try await provider.load() { return found }
            } catch {
                failures.append("\(provider.name): \(error)")
            }
        }
        throw CredentialError.none(tried: providers.map(\.name), failures: failures)
    }
}

/// RFC 3339 timestamps as STS and IMDS write them (`2026-05-05T12:00:00Z`, optional fraction
/// and numeric offset).
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") else { return nil }
        func num(_ r: Range<Int>) -> Int64? { r.upperBound <= u.count ? Int64(String(decoding: u[r], as: UTF8.self)) : nil }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16), let s = num(17..<19) else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            var j = i + 1
            while j < u.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(u[j]) { j += 1 }
            fraction = Double("0" + String(decoding: u[i..<j], as: UTF8.self)) ?? 0
            i = j
        }
        var offset: Int64 = 0
        if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard let oh = num((i + 1)..<(i + 3)), let om = num((i + 4)..<(i + 6)) ?? num((i + 3)..<(i + 5)) else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "+") ? 1 : -1)
        } else if i >= u.count || (u[i] != UInt8(ascii: "Z") && u[i] != UInt8(ascii: "z")) {
            return nil
        }
        let days = CivilTime.daysFromCivil(y, mo, d)
        return Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + s - offset) + fraction)
    }
}
