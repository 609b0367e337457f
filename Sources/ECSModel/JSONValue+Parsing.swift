#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JSONValue {
    /// Parses a JSON text. Returns nil for anything that is not exactly one JSON value.
    public static func parse(_ text: String) -> JSONValue? {
        parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        // JSONDecoder accepts top-level fragments ("1", "\"x\"") as Go's json.Unmarshal does.
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Compact JSON text of this value, keys sorted so output is stable.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes this value as `T` (through JSON text; values here are small).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(jsonText.utf8))
    }

    /// Encodes `value` as a JSONValue.
    public static func encode(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }
}
