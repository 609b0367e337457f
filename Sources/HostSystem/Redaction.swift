public import Logging

/// Keeps secrets out of log lines: metadata whose key names a secret is replaced, whatever
/// its value. Types that hold secrets should also print themselves redacted.
public enum Redaction {
    static let markers = ["secret", "password", "passwd", "token", "credential", "authdata", "auth_data", "privatekey", "private_key", "authorization"]

    public static func isSecretKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        return markers.contains { lower.contains($0) }
    }

    public static func value(for key: String, _ value: Logger.MetadataValue) -> String {
        isSecretKey(key) ? "<redacted>" : "\(value)"
    }
}

/// A value that prints as `<redacted>`: for credentials passed through code that may log.
public struct Secret<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: Value
    public init(_ value: Value) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
