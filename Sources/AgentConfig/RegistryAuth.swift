public import ECSModel

/// The shapes of `ECS_ENGINE_AUTH_DATA` (config.md §3.5), checked without ever printing them.
public enum RegistryAuth {
    /// Sentences describing what is wrong; empty when the data has the shape its type requires.
    /// They name registries and fields, never a credential.
    public static func validate(type: String, data: String) -> [String] {
        guard let object = JSONValue.parse(data)?.objectValue else { return ["expected a JSON object keyed by registry"] }
        var problems: [String] = []
        for (registry, entry) in object.sorted(by: { $0.key < $1.key }) {
            guard let fields = entry.objectValue else {
                problems.append("the entry for registry \(registry) must be an object")
                continue
            }
            let required = type == "dockercfg" ? ["auth"] : ["username", "password"]
            for field in required where fields[field]?.stringValue == nil {
                problems.append("the entry for registry \(registry) has no string field \"\(field)\" (required by ECS_ENGINE_AUTH_TYPE=\(type))")
            }
        }
        return problems
    }
}

extension RegistryAuth {
    /// The login for `image` (engine.md §6.4): Docker Hub images use the key
    /// `index.docker.io/v1/`; others the longest key (scheme stripped) that prefixes the image's
    /// registry and path. Nil when nothing matches: the pull is anonymous.
    public static func login(forImage image: String, type: String, data: String) -> RegistryLogin? {
        guard let object = JSONValue.parse(data)?.objectValue else { return nil }
        let registry = registryHost(of: image)
        let hub = registry == nil || ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(registry!)
        var best: (key: String, entry: [String: JSONValue])?
        for (rawKey, value) in object {
            guard let entry = value.objectValue else { continue }
            var key = rawKey
            for scheme in ["https://", "http://"] where key.hasPrefix(scheme) { key.removeFirst(scheme.count) }
            let matches: Bool
            if hub {
                matches = key.hasPrefix("index.docker.io") || key.hasPrefix("docker.io") || key.hasPrefix("registry-1.docker.io")
            } else {
                let trimmed = key.hasSuffix("/") ? String(key.dropLast()) : key
                matches = image == trimmed || image.hasPrefix(trimmed + "/") || image.hasPrefix(trimmed + ":") || trimmed == registry
            }
            if matches && key.count > (best?.key.count ?? -1) { best = (key, entry) }
        }
        guard let (key, entry) = best else { return nil }
        let server = hub ? "https://index.docker.io/v1/" : String(key.split(separator: "/").first ?? Substring(key))
        if type == "dockercfg" {
            guard let auth = entry["auth"]?.stringValue, let decoded = base64Decode(auth), let colon = decoded.firstIndex(of: ":") else { return nil }
            return RegistryLogin(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]), serverAddress: server)
        }
        guard let user = entry["username"]?.stringValue, let password = entry["password"]?.stringValue else { return nil }
        return RegistryLogin(username: user, password: password, serverAddress: server)
    }

    /// The registry host of an image reference, nil for Docker Hub's short forms.
    static func registryHost(of image: String) -> String? {
        guard let slash = image.firstIndex(of: "/") else { return nil }
        let first = image[..<slash]
        guard first.contains(".") || first.contains(":") || first == "localhost" else { return nil }
        return String(first)
    }

    static func base64Decode(_ text: String) -> String? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var table = [UInt8: UInt32]()
        for (i, c) in alphabet.enumerated() { table[c] = UInt32(i) }
        table[UInt8(ascii: "-")] = 62
        table[UInt8(ascii: "_")] = 63
        var bytes: [UInt8] = [], buffer: UInt32 = 0, bits = 0
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = table[c] else { return nil }
            buffer = buffer << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xff))
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
