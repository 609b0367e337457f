public import ECSModel

/// Why a container cannot be created as described; the container is stopped with this reason.
public struct CreateRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A host port chosen for a container port (static from the payload, or dynamic).
public struct PortBinding: Sendable, Hashable, Codable {
    public var containerPort: UInt16
    public var hostPort: UInt16
    public var proto: PortProtocol
    public init(containerPort: UInt16, hostPort: UInt16, proto: PortProtocol = .tcp) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.proto = proto
    }
}

/// Everything the agent decided before the create call (engine.md §7).
public struct CreateContext: Sendable {
    public var cluster: String
    public var region: String
    public var ports: [PortBinding] = []
    /// `host:container[:ro]` bind specs (volume planner).
    public var binds: [String] = []
    /// Container name in the task → its Docker name (for links and volumesFrom).
    public var dockerNames: [String: String] = [:]
    /// Variables the agent injects (credentials URI, metadata URIs, secrets).
    public var injectedEnvironment: [String: String] = [:]
    /// Variables from the container's environment files: its own environment wins over them.
    public var fileEnvironment: [String: String] = [:]
    /// Variables the image already defines (its `Config.Env`), so AWS_REGION is not overridden.
    public var imageEnvironment: Set<String> = []
    public var cgroupParent: String?
    public var privilegedDisabled = false
    public var extraLabels: [String: String] = [:]
    public var logging = LoggingPolicy()
    /// The execution role's credentials ID (Docker's awslogs driver fetches them by it).
    public var executionCredentialsID: String?

    public init(cluster: String, region: String) {
        self.cluster = cluster
        self.region = region
    }
}

public enum CreateRequest {
    public static let minimumShares = 2, maximumShares = 262_144
    static let minimumMemory: Int64 = 4 << 20

    /// `ecs-<family>-<revision>-<name, only [A-Za-z0-9-]>-<20 hex>`: unique, recorded before the
    /// create call so a container created just before a crash is found again by name.
    public static func dockerName(family: String, revision: String, container: String, using generator: inout some RandomNumberGenerator) -> String {
        let clean = String(container.unicodeScalars.filter { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" })
        let hex = (0..<20).map { _ in String(UInt8.random(in: 0..<16, using: &generator), radix: 16) }.joined()
        return "ecs-\(family)-\(revision)-\(clean)-\(hex)"
    }

    /// The body of `POST /containers/create`: the agent's base, the backend's `dockerConfig`
    /// overlays (a field present replaces the base's), then what the agent always decides.
    public static func body(task: ACSTask, container: ACSContainer, context: CreateContext) throws(CreateRequestError) -> JSONValue {
        let name = container.name ?? ""
        var config: [String: JSONValue] = ["Image": .string(container.image ?? "")]
        var command = container.command
        if let overrides = container.overrides, !overrides.isEmpty, let parsed = JSONValue.parse(overrides), let cmd = parsed["command"]?.arrayValue {
            command = cmd.compactMap(\.stringValue)
        }
        if let command, !command.isEmpty { config["Cmd"] = .array(command.map { .string($0) }) }
        if let entry = container.entryPoint, !entry.isEmpty { config["Entrypoint"] = .array(entry.map { .string($0) }) }
        var exposed: [String: JSONValue] = [:]
        for p in container.portMappings ?? [] {
            let proto = p.protocol_ == "udp" ? "udp" : "tcp"
            if let port = p.containerPort { exposed["\(port)/\(proto)"] = .object([:]) }
            if let range = p.containerPortRange, let (low, high) = portRange(range) {
                for port in low...high { exposed["\(port)/\(proto)"] = .object([:]) }
            }
        }
        if !exposed.isEmpty { config["ExposedPorts"] = .object(exposed) }
        var environment = context.fileEnvironment.merging(container.environment ?? [:]) { _, own in own }

        // The backend's Config overlay.
        let overlay = try parseObject(container.dockerConfig?.config, what: "dockerConfig.config", container: name)
        for (key, value) in overlay where key != "Env" && key != "Labels" { config[key] = value }
        for entry in overlay["Env"]?.arrayValue ?? [] {
            guard let text = entry.stringValue, let eq = text.firstIndex(of: "=") else { continue }
            environment[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        if container.healthCheckType == "docker" && config["Healthcheck"] == nil {
            throw CreateRequestError("CannotCreateContainerError: container \(name) asks for a docker health check but its configuration has none")
        }

        // Labels: the backend's first, the agent's win.
        var labels: [String: JSONValue] = overlay["Labels"]?.objectValue ?? [:]
        for (k, v) in context.extraLabels { labels[k] = .string(v) }
        labels["com.amazonaws.ecs.task-arn"] = .string(task.arn ?? "")
        labels["com.amazonaws.ecs.container-name"] = .string(name)
        labels["com.amazonaws.ecs.task-definition-family"] = .string(task.family ?? "")
        labels["com.amazonaws.ecs.task-definition-version"] = .string(task.version ?? "")
        labels["com.amazonaws.ecs.cluster"] = .string(context.cluster)
        config["Labels"] = .object(labels)

        // Injected variables, and the region unless the task or the image set one.
        for (k, v) in context.injectedEnvironment { environment[k] = v }
        let regionKnown = ["AWS_REGION", "AWS_DEFAULT_REGION"].contains { environment[$0] != nil || context.imageEnvironment.contains($0) }
        if !regionKnown && !context.region.isEmpty {
            environment["AWS_REGION"] = context.region
            environment["AWS_DEFAULT_REGION"] = context.region
        }
        if !environment.isEmpty { config["Env"] = .array(environment.sorted { $0.key < $1.key }.map { .string("\($0.key)=\($0.value)") }) }

        // HostConfig: the agent's base, the backend's overlay, then the agent's last word.
        var host: [String: JSONValue] = [:]
        if let links = container.links, !links.isEmpty {
            host["Links"] = .array(try links.map { link throws(CreateRequestError) in
                let parts = link.split(separator: ":", maxSplits: 1).map(String.init)
                guard let target = context.dockerNames[parts[0]] else { throw CreateRequestError("CannotCreateContainerError: link target \(parts[0]) has no container yet") }
                return .string("\(target):\(parts.count > 1 ? parts[1] : parts[0])")
            })
        }
        if !context.binds.isEmpty { host["Binds"] = .array(context.binds.map { .string($0) }) }
        if !context.ports.isEmpty {
            var bindings: [String: JSONValue] = [:]
            for p in context.ports {
                let key = "\(p.containerPort)/\(p.proto.rawValue)"
                bindings[key] = .array((bindings[key]?.arrayValue ?? []) + [.object(["HostPort": .string(String(p.hostPort))])])
            }
            host["PortBindings"] = .object(bindings)
        }
        if let from = container.volumesFrom, !from.isEmpty {
            host["VolumesFrom"] = .array(try from.map { v throws(CreateRequestError) in
                guard let source = v.sourceContainer, let docker = context.dockerNames[source] else {
                    throw CreateRequestError("CannotCreateContainerError: volumesFrom \(v.sourceContainer ?? "") has no container yet")
                }
                return .string(docker + (v.readOnly == true ? ":ro" : ""))
            })
        }
        host["CpuShares"] = .int(Int64(min(maximumShares, max(minimumShares, container.cpu ?? 0))))
        if let memory = container.memory, memory > 0 { host["Memory"] = .int(max(minimumMemory, Int64(memory) << 20)) }
        for (key, value) in try parseObject(container.dockerConfig?.hostConfig, what: "dockerConfig.hostConfig", container: name) { host[key] = value }
        host["LogConfig"] = try LogRouting.hostLogConfig(host["LogConfig"], container: container, task: task, policy: context.logging,
                                                         executionCredentialsID: context.executionCredentialsID)
        if let parent = context.cgroupParent { host["CgroupParent"] = .string(parent) }
        switch task.networkMode ?? "bridge" {
        case "", "bridge": host["NetworkMode"] = "bridge"
        case "host": host["NetworkMode"] = "host"
        case "none": host["NetworkMode"] = "none"
        case let mode: throw CreateRequestError("CannotCreateContainerError: network mode \(mode) is not supported by this agent (awsvpc needs EC2 ENIs)")
        }
        if host["Privileged"] == .bool(true) && context.privilegedDisabled {
            throw CreateRequestError("CannotCreateContainerError: container \(name) is privileged, and privileged containers are disabled on this instance (ECS_DISABLE_PRIVILEGED=true)")
        }
        config["HostConfig"] = .object(host)
        return .object(config)
    }

    static func parseObject(_ text: String?, what: String, container: String) throws(CreateRequestError) -> [String: JSONValue] {
        guard let text, !text.isEmpty else { return [:] }
        guard case .object(let o)? = JSONValue.parse(text) else {
            throw CreateRequestError("CannotCreateContainerError: container \(container): \(what) is not a JSON object")
        }
        return o
    }

    /// `"9000-9010"` → (9000, 9010).
    public static func portRange(_ text: String) -> (UInt16, UInt16)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let low = UInt16(parts[0]), let high = UInt16(parts[1]), low <= high else { return nil }
        return (low, high)
    }
}
