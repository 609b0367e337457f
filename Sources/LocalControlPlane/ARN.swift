/// ARNs of ecs-local's resources, in AWS's shapes.
struct ARNs: Sendable {
    let region: String
    let account: String

    var prefix: String { "arn:aws:ecs:\(region):\(account):" }

    func cluster(_ name: String) -> String { prefix + "cluster/\(name)" }
    func taskDefinition(_ family: String, _ revision: Int) -> String { prefix + "task-definition/\(family):\(revision)" }
    func containerInstance(cluster: String, id: String) -> String { prefix + "container-instance/\(cluster)/\(id)" }
    func task(cluster: String, id: String) -> String { prefix + "task/\(cluster)/\(id)" }
    func service(cluster: String, name: String) -> String { prefix + "service/\(cluster)/\(name)" }
    func container(cluster: String, taskId: String, id: String) -> String { prefix + "container/\(cluster)/\(taskId)/\(id)" }
    func role(_ name: String) -> String { "arn:aws:iam::\(account):role/\(name)" }

    /// The resource part after `<kind>/`, when `arn` is an ECS ARN of that kind in this
    /// account and region; nil otherwise.
    func resource(of kind: String, in arn: String) -> String? {
        let head = prefix + kind + "/"
        guard arn.hasPrefix(head) else { return nil }
        let rest = String(arn.dropFirst(head.count))
        return rest.isEmpty ? nil : rest
    }

    /// Whether `text` looks like an ARN at all (`arn:partition:service:region:account:resource`).
    static func looksLikeARN(_ text: String) -> Bool {
        text.hasPrefix("arn:") && text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).count == 6
    }
}

/// Random identifiers in AWS's shapes.
enum Identifiers {
    /// 32 lower-case hex characters, as task and container-instance ids are.
    static func hex32() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(Int.random(in: 0..<16, using: &g), radix: 16) }.joined()
    }

    /// A UUID v4 string.
    static func uuid() -> String {
        let h = Array(hex32())
        var chars = h
        chars[12] = "4"
        let variant = ["8", "9", "a", "b"].randomElement()!
        chars[16] = Character(variant)
        let s = String(chars)
        let i = s.startIndex
        func sub(_ a: Int, _ b: Int) -> Substring { s[s.index(i, offsetBy: a)..<s.index(i, offsetBy: b)] }
        return "\(sub(0, 8))-\(sub(8, 12))-\(sub(12, 16))-\(sub(16, 20))-\(sub(20, 32))"
    }
}
