#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `{"type": "...", "message": {...}}`: the frame of every ACS and TCS message.
public struct ACSEnvelope: Sendable {
    public var type: String
    public var message: JSONValue

    public init(type: String, message: JSONValue) {
        self.type = type
        self.message = message
    }

    /// Wraps a message; `type` comes first in the text, as the Go agent writes it.
    public static func encode(type: String, _ message: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = String(decoding: try encoder.encode(message), as: UTF8.self)
        return "{\"type\":\"\(type)\",\"message\":\(body)}"
    }

    /// Reads a frame. Returns nil when it is not a JSON object with a string `type`.
    public static func decode(_ text: String) -> ACSEnvelope? {
        guard case .object(let object)? = JSONValue.parse(text), let type = object["type"]?.stringValue, !type.isEmpty else { return nil }
        return ACSEnvelope(type: type, message: object["message"] ?? .object([:]))
    }

    /// Decodes the `message` as `T`.
    public func decodeMessage<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(message.jsonText.utf8))
    }
}
