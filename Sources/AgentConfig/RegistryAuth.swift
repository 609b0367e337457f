import ECSModel

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
