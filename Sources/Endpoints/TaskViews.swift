import ECSModel
import TaskEngine

/// The engine's records rendered as the reference's response structs (endpoints.md §2.3, §5):
/// field order, omit rules and status names are the contract.
public enum TaskViews {
    public enum Version: Sendable { case v2, v3, v4 }

    // MARK: statuses

    /// The backend names introspection v1 uses: RUNNING, STOPPED, else PENDING.
    static func backend(_ s: TaskStatus) -> String {
        switch s {
        case .running: "RUNNING"
        case .stopped: "STOPPED"
        default: "PENDING"
        }
    }

    /// The agent's names (v2-v4): PULLED and ZOMBIE print as NONE.
    static func agentName(_ s: TaskStatus) -> String {
        switch s {
        case .zombie: "NONE"
        default: s.wire
        }
    }

    static func agentName(_ s: ContainerStatus) -> String {
        s == .zombie ? "NONE" : s.wire
    }

    // MARK: introspection v1

    /// `{"Arn":"","KnownStatus":"","Family":"","Version":"","Containers":null}`: v1's error body.
    static let emptyV1Task: GoJSON = .object([("Arn", .string("")), ("KnownStatus", .string("")), ("Family", .string("")),
                                              ("Version", .string("")), ("Containers", .null)])

    static func v1Task(_ r: TaskRecord, facts: [String: ContainerFacts]) -> GoJSON {
        var f = GoFields()
        f.add("Arn", .string(r.arn))
        let desired = backend(r.desired)
        let known = backend(r.known)
        let hideDesired = (known == "STOPPED" && desired != "STOPPED") || (known == "RUNNING" && desired == "PENDING")
        f.add("DesiredStatus", omitEmpty: .string(hideDesired ? "" : desired))
        f.add("KnownStatus", .string(known))
        f.add("Family", .string(r.task.family ?? ""))
        f.add("Version", .string(r.task.version ?? ""))
        f.add("Containers", .array(r.containers.indices.map { i in v1Container(r, i, facts: r.containers[i].dockerID.flatMap { facts[$0] }) }))
        return f.json
    }

    static func v1Container(_ r: TaskRecord, _ i: Int, facts: ContainerFacts?) -> GoJSON {
        let c = r.containers[i]
        let acs = r.task.containers?[i]
        var f = GoFields()
        f.add("DockerId", .string(c.dockerID ?? ""))
        f.add("DockerName", .string(c.dockerName))
        f.add("Name", .string(c.name))
        f.add("Image", .string(acs?.image ?? ""))
        f.add("ImageID", .string(facts?.imageID ?? ""))
        f.add("CreatedAt", omitEmpty: facts?.createdAt.map(GoJSON.string))
        f.add("StartedAt", omitEmpty: startedAt(c, facts).map(GoJSON.string))
        // Known bindings, else the task definition's mappings.
        var ports = c.bindings.map { port($0, hostIP: false) }
        if ports.isEmpty {
            ports = (acs?.portMappings ?? []).compactMap { m in
                guard let cp = m.containerPort else { return nil }
                var p = GoFields()
                p.add("ContainerPort", .int(Int64(cp)))
                p.add("Protocol", .string(m.protocol_ ?? "tcp"))
                p.add("HostPort", omitEmpty: .int(Int64(m.hostPort ?? 0)))
                return p.json
            }
        }
        f.add("Ports", omitEmpty: .array(ports))
        f.add("Volumes", omitEmpty: .array(volumes(facts)))
        if acs?.restartPolicy?.enabled == true { f.add("RestartCount", .int(Int64(c.restartCount ?? 0))) }
        return f.json
    }

    // MARK: task metadata v2/v3/v4

    /// The task response. `containers` are already rendered (v4 adds per-container failures
    /// that only get logged).
    static func task(_ r: TaskRecord, _ version: Version, agent: AgentFacts, containers: [GoJSON]) -> GoJSON {
        var f = GoFields()
        f.add("Cluster", .string(agent.cluster))
        f.add("TaskARN", .string(r.arn))
        f.add("Family", .string(r.task.family ?? ""))
        f.add("Revision", .string(r.task.version ?? ""))
        f.add("DesiredStatus", omitEmpty: .string(agentName(r.desired)))
        f.add("KnownStatus", .string(agentName(r.known)))
        if version != .v4 { f.add("Containers", omitEmpty: .array(containers)) }
        let cpu = r.task.cpu ?? 0, memory = r.task.memory ?? 0
        if cpu != 0 || memory != 0 {
            var limits = GoFields()
            limits.add("CPU", omitEmpty: .float(cpu))
            limits.add("Memory", omitEmpty: .int(Int64(memory)))
            f.add("Limits", limits.json)
        }
        f.add("PullStartedAt", omitEmpty: r.pullStartedAt.map { .string(CivilTime.rfc3339Nano($0)) })
        f.add("PullStoppedAt", omitEmpty: r.pullStoppedAt.map { .string(CivilTime.rfc3339Nano($0)) })
        f.add("ExecutionStoppedAt", omitEmpty: r.executionStoppedAt.map { .string(CivilTime.rfc3339Nano($0)) })
        f.add("AvailabilityZone", omitEmpty: .string(agent.availabilityZone))
        guard version == .v4 else { return f.json }
        f.add("LaunchType", omitEmpty: .string(r.task.launchType ?? ""))
        f.add("Containers", omitEmpty: .array(containers))
        f.add("VPCID", omitEmpty: .string(agent.vpcID))
        f.add("ServiceName", omitEmpty: .string(r.task.serviceName ?? ""))
        f.add("FaultInjectionEnabled", .bool(false))
        f.add("AvailabilityZoneID", omitEmpty: .string(agent.availabilityZoneID))
        return f.json
    }

    /// The container response; `networks` are the Docker-derived ones (nil: omitted).
    static func container(_ r: TaskRecord, _ i: Int, _ version: Version, facts: ContainerFacts?, networks: [GoJSON]?) -> GoJSON {
        let c = r.containers[i]
        let acs = r.task.containers?[i]
        let created = c.dockerID != nil
        var f = GoFields()
        f.add("DockerId", .string(c.dockerID ?? ""))
        f.add("Name", .string(c.name))
        f.add("DockerName", .string(created || version != .v4 ? c.dockerName : ""))
        f.add("Image", .string(acs?.image ?? ""))
        f.add("ImageID", .string(facts?.imageID ?? ""))
        f.add("Ports", omitEmpty: .array(c.bindings.map { port($0, hostIP: version == .v4) }))
        f.add("Labels", omitEmptyMap: facts?.labels)
        f.add("DesiredStatus", .string(agentName(c.desired)))
        f.add("KnownStatus", .string(agentName(c.known)))
        if let code = c.exitCode { f.add("ExitCode", .int(Int64(code))) }
        var limits = GoFields()
        limits.add("CPU", .float(Double(max(acs?.cpu ?? 0, 2))))
        limits.add("Memory", .int(Int64(acs?.memory ?? 0)))
        f.add("Limits", limits.json)
        f.add("CreatedAt", omitEmpty: facts?.createdAt.map(GoJSON.string))
        f.add("StartedAt", omitEmpty: startedAt(c, facts).map(GoJSON.string))
        f.add("FinishedAt", omitEmpty: c.known == .stopped ? facts?.finishedAt.map(GoJSON.string) : nil)
        f.add("Type", .string("NORMAL"))
        if version != .v4 { f.add("Networks", omitEmpty: networks.map(GoJSON.array)) }
        if let acs, TaskRecord.hasHealthCheck(acs) {
            var h = GoFields()
            if c.health != .unknown { h.add("status", .string(c.health.rawValue)) }
            h.add("statusSince", omitEmpty: c.healthSince.map { .string(CivilTime.rfc3339Nano($0)) })
            h.add("exitCode", omitEmpty: .int(Int64(facts?.healthExitCode ?? 0)))
            h.add("output", omitEmpty: .string(facts?.healthOutput ?? ""))
            f.add("Health", h.json)
        }
        f.add("Volumes", omitEmpty: .array(volumes(facts)))
        if version == .v4 {
            let log = logConfiguration(acs)
            f.add("LogDriver", omitEmpty: .string(log.driver))
            f.add("LogOptions", omitEmptyMap: log.options)
            f.add("ContainerARN", omitEmpty: .string(acs?.containerArn ?? ""))
            f.add("Networks", omitEmpty: networks.map(GoJSON.array))
            if acs?.restartPolicy?.enabled == true { f.add("RestartCount", .int(Int64(c.restartCount ?? 0))) }
        }
        return f.json
    }

    /// Docker-derived networks (endpoints.md §5.2): one per Docker network, else one from the
    /// network mode and the top-level address. v4 adds IPv6 addresses when there are any.
    static func networks(_ facts: ContainerFacts, _ version: Version) -> [GoJSON] {
        func network(_ mode: String, _ ipv4: String, _ ipv6: String) -> GoJSON {
            var f = GoFields()
            f.add("NetworkMode", omitEmpty: .string(mode))
            f.add("IPv4Addresses", .array([.string(ipv4)]))
            if version == .v4 && !ipv6.isEmpty { f.add("IPv6Addresses", .array([.string(ipv6)])) }
            return f.json
        }
        if !facts.networks.isEmpty {
            return facts.networks.map { network($0.name, $0.ipv4, $0.ipv6) }
        }
        return [network(facts.networkMode, facts.ipAddress, facts.globalIPv6Address)]
    }

    // MARK: pieces

    static func port(_ b: NetworkBinding, hostIP: Bool) -> GoJSON {
        var f = GoFields()
        f.add("ContainerPort", .int(Int64(b.containerPort ?? 0)))
        f.add("Protocol", .string(b.protocol_ ?? "tcp"))
        f.add("HostPort", omitEmpty: .int(Int64(b.hostPort ?? 0)))
        if hostIP { f.add("HostIp", omitEmpty: .string(b.bindIP ?? "")) }
        return f.json
    }

    static func volumes(_ facts: ContainerFacts?) -> [GoJSON] {
        (facts?.mounts ?? []).map { m in
            var f = GoFields()
            f.add("DockerName", omitEmpty: .string(m.name))
            f.add("Source", omitEmpty: .string(m.source))
            f.add("Destination", omitEmpty: .string(m.destination))
            return f.json
        }
    }

    static func startedAt(_ c: ContainerRecord, _ facts: ContainerFacts?) -> String? {
        if let s = facts?.startedAt { return s }
        return c.startedAt.map(CivilTime.rfc3339Nano)
    }

    /// The task definition's log driver and options (from the host config ECS sent); options
    /// the agent adds itself are not shown.
    static func logConfiguration(_ acs: ACSContainer?) -> (driver: String, options: [String: String]) {
        guard let text = acs?.dockerConfig?.hostConfig, let config = JSONValue.parse(text)?["LogConfig"] else { return ("", [:]) }
        var options: [String: String] = [:]
        if case .object(let members) = config["Config"] ?? .null {
            for (k, v) in members { if let s = v.stringValue { options[k] = s } }
        }
        return (config["Type"]?.stringValue ?? "", options)
    }
}
