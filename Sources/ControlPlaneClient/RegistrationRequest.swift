public import ECSModel

/// What the agent tells the control plane about this host when it registers
/// (protocol.md §2.2). Pure: built from settings and host facts, so it is tested without a host.
public struct RegistrationSettings: Sendable {
    /// `ECS_CLUSTER` as configured (a name or an ARN); empty means `default`.
    public var cluster: String
    public var instanceAttributes: [String: String] = [:]
    public var instanceTags: [String: String] = [:]
    public var reservedMemoryMiB: Int = 0
    public var reservedPorts: [UInt16] = [22, 2375, 2376, 51678, 51679]
    public var reservedPortsUDP: [UInt16] = []
    public var prometheusMetrics = false
    public var loggingDrivers: [String] = ["json-file", "none"]
    public var privilegedDisabled = false
    public var selinuxCapable = false
    public var apparmorCapable = false
    public var external = false
    /// ECS_DISABLE_DOCKER_HEALTH_CHECK.
    public var dockerHealthCheckDisabled = false
    /// Task cgroups are made (ECS_ENABLE_TASK_CPU_MEM_LIMIT on and a usable cgroupfs).
    public var taskCPUMemLimit = false
    public var detailedOSFamily: String?
    /// `uname -m` in ECS's words: x86_64, arm64, i386.
    public var architecture = "x86_64"

    public init(cluster: String) { self.cluster = cluster }

    public var clusterOrDefault: String { cluster.isEmpty ? "default" : cluster }
}

public struct HostResources: Sendable, Hashable {
    public var cpuCount: Int
    public var memoryMiB: Int
    public init(cpuCount: Int, memoryMiB: Int) {
        self.cpuCount = cpuCount
        self.memoryMiB = memoryMiB
    }
}

public enum RegistrationError: Error, Sendable, CustomStringConvertible, Equatable {
    case reservedMemoryTooLarge(reserved: Int, total: Int)
    case attributesNotEchoed([String])
    case clusterMismatch(stored: String, configured: String)
    case terminal(String)

    public var description: String {
        switch self {
        case .reservedMemoryTooLarge(let reserved, let total):
            "ECS_RESERVED_MEMORY=\(reserved) MiB is more than the host's \(total) MiB"
        case .attributesNotEchoed(let names):
            "the control plane did not return these attributes unchanged: \(names.joined(separator: ", ")); refusing to run with attributes it does not hold"
        case .clusterMismatch(let stored, let configured):
            "this host is registered in cluster \(stored) but ECS_CLUSTER is \(configured); to move it, delete the agent's data directory (the instance registers anew) or set ECS_CLUSTER=\(stored)"
        case .terminal(let reason): reason
        }
    }
}

public enum RegistrationRequest {
    /// Docker API versions below 1.33 that the Go agent probes (1.26, 1.27 and 1.31 are not in
    /// its list), for the `docker-remote-api.<v>` attributes.
    static let dockerAPIVersions = ["1.17", "1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.28", "1.29", "1.30", "1.32"]

    /// The capability attributes of what this agent actually does (protocol.md §2.2.1); a
    /// capability is added here in the change that implements it, never before.
    public static func capabilities(_ s: RegistrationSettings, dockerAPI: (min: String, max: String)?) -> [Attribute] {
        let legacy = "com.amazonaws.ecs.capability."
        let current = "ecs.capability."
        var names: [String] = []
        // ACS TaskManifest and stop verification: the ACS session implements them.
        names.append(current + "full-sync")
        // The task engine: dependsOn ordering, contiguous host port blocks for containerPortRange,
        // Docker volumes with the local driver (task and shared scope).
        names += [current + "container-ordering", current + "network.container-port-range", current + "docker-plugin.local",
                  current + "container-restart-policy"]
        // Secrets as environment variables and S3 environment files, with the execution role.
        names += [current + "secrets.ssm.environment-variables", current + "secrets.asm.environment-variables", current + "env-files.s3"]
        // Pull credentials: ECR tokens (instance or execution role) and Secrets Manager repository credentials.
        names += [legacy + "ecr-auth", current + "execution-role-ecr-pull", current + "private-registry-authentication.secretsmanager"]
        if s.taskCPUMemLimit { names += [current + "task-cpu-mem-limit", current + "increased-task-cpu-limit"] }
        if !s.dockerHealthCheckDisabled, let api = dockerAPI, compare(api.max, "1.24") >= 0 { names.append(current + "container-health-check") }
        // Docker features the daemon provides and the agent passes through.
        if !s.privilegedDisabled { names.append(legacy + "privileged-container") }
        if let api = dockerAPI {
            for v in dockerAPIVersions where compare(v, api.min) >= 0 && compare(v, api.max) <= 0 {
                names.append(legacy + "docker-remote-api." + v)
            }
        }
        for driver in s.loggingDrivers { names.append(legacy + "logging-driver." + driver) }
        if s.selinuxCapable { names.append(legacy + "selinux") }
        if s.apparmorCapable { names.append(legacy + "apparmor") }
        if s.external { names.append(current + "external") }
        return names.map { Attribute(name: $0, value: nil) }
    }

    /// The RegisterContainerInstance input. `containerInstanceArn` non-nil makes it a
    /// re-registration (custom attributes are sent on new registrations only, as AWS keeps them).
    public static func build(
        _ s: RegistrationSettings, host: HostResources, dockerAPI: (min: String, max: String)?,
        containerInstanceArn: String?, identityDocument: String, identitySignature: String, clientToken: String
    ) throws(RegistrationError) -> JSONValue {
        let memory = host.memoryMiB - s.reservedMemoryMiB
        guard memory >= 0 else { throw .reservedMemoryTooLarge(reserved: s.reservedMemoryMiB, total: host.memoryMiB) }
        var attributes: [Attribute] = []
        if containerInstanceArn == nil {
            attributes += s.instanceAttributes.sorted { $0.key < $1.key }.map { Attribute(name: $0.key, value: $0.value) }
        }
        attributes += capabilities(s, dockerAPI: dockerAPI)
        let family = s.detailedOSFamily.flatMap { $0.isEmpty ? nil : $0 } ?? "LINUX"
        attributes += [Attribute(name: "ecs.os-type", value: "linux"), Attribute(name: "ecs.os-family", value: "LINUX"),
                       Attribute(name: "ecs.os-type-detailed", value: family)]
        if s.external { attributes.append(Attribute(name: "ecs.cpu-architecture", value: s.architecture)) }

        var ports = s.reservedPorts
        if s.prometheusMetrics && !ports.contains(51680) { ports.append(51680) }
        var input: [String: JSONValue] = [
            "cluster": .string(s.clusterOrDefault),
            "clientToken": .string(clientToken),
            "instanceIdentityDocument": .string(identityDocument),
            "instanceIdentityDocumentSignature": .string(identitySignature),
            "attributes": .array(attributes.map { a in
                var o: [String: JSONValue] = ["name": .string(a.name)]
                if let v = a.value { o["value"] = .string(v) }
                return .object(o)
            }),
            "totalResources": .array([
                .object(["name": "CPU", "type": "INTEGER", "integerValue": .int(Int64(host.cpuCount * 1024))]),
                .object(["name": "MEMORY", "type": "INTEGER", "integerValue": .int(Int64(memory))]),
                .object(["name": "PORTS", "type": "STRINGSET", "stringSetValue": .array(ports.map { .string(String($0)) })]),
                .object(["name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": .array(s.reservedPortsUDP.map { .string(String($0)) })]),
            ]),
        ]
        if let containerInstanceArn { input["containerInstanceArn"] = .string(containerInstanceArn) }
        if !s.instanceTags.isEmpty {
            input["tags"] = .array(s.instanceTags.sorted { $0.key < $1.key }.map { .object(["key": .string($0.key), "value": .string($0.value)]) })
        }
        return .object(input)
    }

    /// Names of sent attributes that the response does not hold with the same value
    /// (a name-only attribute compares as ""), as the Go agent checks.
    public static func missingEchoes(sent: JSONValue, response: JSONValue) -> [String] {
        func pairs(_ v: JSONValue?) -> [(String, String)] {
            (v?.arrayValue ?? []).compactMap { a in a["name"]?.stringValue.map { ($0, a["value"]?.stringValue ?? "") } }
        }
        var returned: [String: String] = [:]
        for (name, value) in pairs(response["containerInstance"]?["attributes"]) { returned[name] = value }
        return pairs(sent["attributes"]).filter { returned[$0.0] != $0.1 }.map(\.0)
    }

    /// Compares dotted versions numerically.
    static func compare(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
            if l != r { return l < r ? -1 : 1 }
        }
        return 0
    }
}
