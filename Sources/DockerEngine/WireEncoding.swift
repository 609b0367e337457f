/// Base64 without Foundation: Docker's `X-Registry-Auth` header is URL-safe base64 of JSON.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8], urlSafe: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            i += 3
        }
        if urlSafe {
            out = out.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Docker's `filters` query parameter: `{"label":["a=b"],"type":["container"]}`.
public struct DockerFilters: Sendable, Hashable {
    public var values: [String: [String]]

    public init(_ values: [String: [String]] = [:]) {
        self.values = values
    }

    public static func label(_ label: String) -> DockerFilters { DockerFilters(["label": [label]]) }

    public func adding(_ key: String, _ value: String) -> DockerFilters {
        var copy = self
        copy.values[key, default: []].append(value)
        return copy
    }

    var json: String {
        let body = values.sorted { $0.key < $1.key }.map { key, list in
            "\"\(jsonEscape(key))\":[" + list.map { "\"\(jsonEscape($0))\"" }.joined(separator: ",") + "]"
        }
        return "{" + body.joined(separator: ",") + "}"
    }
}

/// Escapes a string for a JSON string literal (headers and query parameters we write by hand).
func jsonEscape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where c.value < 0x20: out += "\\u" + String(c.value, radix: 16).leftPadded(to: 4)
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
