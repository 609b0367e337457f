import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the ECS backend does before a task reaches an agent (protocol.md §4.4-4.6,
/// engine.md §7.4): task-definition fields become the ACS Task/Container shape, and the
/// settings ACS has no field for travel as Docker Engine JSON strings in `dockerConfig`.
enum TaskTranslation {
    static let mebibyte: Int64 = 1_048_576
    static let second: Int64 = 1_000_000_000

    struct Context {
        var taskArn: String
        var clusterArn: String
        var accountId: String
        var group: String?
        var containerArns: [String: String]
        var roleCredentials: IAMRoleCredentials?
        var executionRoleCredentials: IAMRoleCredentials?
        var region = "us-west-2"
        var ecrRegistries: [String: String] = [:]
    }

    static func acsTask(_ definition: TaskDefinition, overrides: TaskOverride?, context: Context) throws -> ACSTask {
        var task = ACSTask()
        task.arn = context.taskArn
        task.family = definition.family
        task.version = definition.revision.map(String.init)
        task.desiredStatus = "RUNNING"
        task.launchType = "EC2"
        task.networkMode = definition.networkMode ?? "bridge"
        task.pidMode = definition.pidMode
        task.ipcMode = definition.ipcMode
        task.group = context.group
        task.taskDefinitionAccountId = context.accountId
        if let cpu = try (overrides?.cpu ?? definition.cpu).map(ControlPlane.parseTaskCPU) { task.cpu = Double(cpu) / 1024 }
        task.memory = try (overrides?.memory ?? definition.memory).map(ControlPlane.parseTaskMemory)
        task.roleCredentials = context.roleCredentials
        task.executionRoleCredentials = context.executionRoleCredentials
        task.volumes = (definition.volumes ?? []).map(volume)
        let byName = Dictionary((overrides?.containerOverrides ?? []).compactMap { o in o.name.map { ($0, o) } }) { a, _ in a }
        task.containers = try (definition.containerDefinitions ?? []).map { c in
            var out = try container(c, override: byName[c.name ?? ""], definition: definition, arn: context.containerArns[c.name ?? ""])
            out.registryAuthentication = registryAuthentication(c, definition: definition, context: context)
            return out
        }
        return task
    }

    /// What ECS tells the agent about pulling a container's image: Secrets Manager repository
    /// credentials when the definition names them, an ECR token for an ECR image (with the
    /// execution role when the task has one), nothing otherwise (protocol.md §4.6).
    static func registryAuthentication(_ c: ContainerDefinition, definition: TaskDefinition, context: Context) -> RegistryAuthentication? {
        if let parameter = c.repositoryCredentials?.credentialsParameter, !parameter.isEmpty {
            return RegistryAuthentication(type: "asm", asmAuthData: .init(credentialsParameter: parameter, region: ARNText.region(parameter) ?? context.region))
        }
        guard let (registryId, region) = ecrRegistry(of: c.image ?? "", context: context) else { return nil }
        return RegistryAuthentication(type: "ecr", ecrAuthData: .init(registryId: registryId, region: region,
                                                                      useExecutionRole: definition.executionRoleArn != nil))
    }

    /// `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/repo` → (account, region); or a host
    /// configured as standing in for this account's ECR.
    static func ecrRegistry(of image: String, context: Context) -> (String, String)? {
        guard let slash = image.firstIndex(of: "/") else { return nil }
        let host = String(image[..<slash])
        if let account = context.ecrRegistries[host] { return (account, context.region) }
        let labels = host.split(separator: ".").map(String.init)
        guard labels.count >= 6, labels[0].count == 12, labels[0].allSatisfy(\.isNumber), labels[1] == "dkr",
              labels[2] == "ecr" || labels[2] == "ecr-fips", labels[4] == "amazonaws" else { return nil }
        return (labels[0], labels[3])
    }

    static func volume(_ v: Volume) -> ACSVolume {
        var out = ACSVolume()
        out.name = v.name
        if let docker = v.dockerVolumeConfiguration {
            out.type = "docker"
            out.dockerVolumeConfiguration = docker
        } else {
            // The agent rejects a host volume without its host object: send {} for a scratch volume.
            out.type = "host"
            out.host = v.host ?? Volume.Host()
        }
        return out
    }

    static func container(_ c: ContainerDefinition, override: ContainerOverride?, definition: TaskDefinition, arn: String?) throws -> ACSContainer {
        var out = ACSContainer()
        out.name = c.name
        out.image = c.image
        out.cpu = override?.cpu ?? c.cpu ?? 0
        out.memory = override?.memory ?? c.memory
        out.essential = c.essential ?? true
        out.command = c.command ?? []
        out.entryPoint = c.entryPoint ?? []
        var environment: [String: String] = [:]
        for pair in (c.environment ?? []) + (override?.environment ?? []) {
            if let name = pair.name { environment[name] = pair.value ?? "" }
        }
        out.environment = environment
        out.environmentFiles = (c.environmentFiles ?? []) + (override?.environmentFiles ?? [])
        out.links = c.links ?? []
        out.portMappings = (c.portMappings ?? []).map {
            ACSPortMapping(containerPort: $0.containerPort, hostPort: $0.containerPortRange == nil ? ($0.hostPort ?? 0) : nil,
                           containerPortRange: $0.containerPortRange, protocol_: $0.protocol_ ?? "tcp")
        }
        out.mountPoints = c.mountPoints ?? []
        out.volumesFrom = c.volumesFrom ?? []
        out.overrides = override?.command.map { command in
            JSONValue.object(["command": .array(command.map(JSONValue.string))]).jsonText
        } ?? "{}"
        out.secrets = (c.secrets ?? []).map { s in
            var secret = ACSSecret()
            secret.name = s.name
            secret.valueFrom = s.valueFrom
            secret.type = "ENVIRONMENT_VARIABLE"
            secret.provider = (s.valueFrom ?? "").contains(":secretsmanager:") ? "asm" : "ssm"
            secret.target = "CONTAINER"
            return secret
        }
        if c.logConfiguration?.logDriver == "awslogs" && definition.executionRoleArn != nil { out.logsAuthStrategy = "ExecutionRole" }
        if c.healthCheck != nil { out.healthCheckType = "docker" }
        out.dependsOn = c.dependsOn
        out.startTimeout = c.startTimeout
        out.stopTimeout = c.stopTimeout
        out.restartPolicy = c.restartPolicy
        out.containerArn = arn
        out.dockerConfig = DockerConfig(config: config(c).jsonText, hostConfig: hostConfig(c, override: override).jsonText, version: "1.17")
        return out
    }

    /// Docker `container.Config` fields from the definition.
    static func config(_ c: ContainerDefinition) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if let labels = c.dockerLabels, !labels.isEmpty { o["Labels"] = .object(labels.mapValues(JSONValue.string)) }
        if let user = c.user { o["User"] = .string(user) }
        if let dir = c.workingDirectory { o["WorkingDir"] = .string(dir) }
        if let host = c.hostname { o["Hostname"] = .string(host) }
        if let interactive = c.interactive { o["OpenStdin"] = .bool(interactive) }
        if let tty = c.pseudoTerminal { o["Tty"] = .bool(tty) }
        if let disabled = c.disableNetworking { o["NetworkDisabled"] = .bool(disabled) }
        if let h = c.healthCheck {
            o["Healthcheck"] = .object([
                "Test": .array((h.command ?? []).map(JSONValue.string)),
                "Interval": .int(Int64(h.interval ?? 30) * second),
                "Timeout": .int(Int64(h.timeout ?? 5) * second),
                "Retries": .int(Int64(h.retries ?? 3)),
                "StartPeriod": .int(Int64(h.startPeriod ?? 0) * second),
            ])
        }
        return .object(o)
    }

    /// Docker `HostConfig` fields from the definition.
    static func hostConfig(_ c: ContainerDefinition, override: ContainerOverride?) -> JSONValue {
        var o: [String: JSONValue] = [:]
        if let soft = override?.memoryReservation ?? c.memoryReservation { o["MemoryReservation"] = .int(Int64(soft) * mebibyte) }
        if let ulimits = c.ulimits, !ulimits.isEmpty {
            o["Ulimits"] = .array(ulimits.map {
                .object(["Name": .string($0.name ?? ""), "Soft": .int(Int64($0.softLimit ?? 0)), "Hard": .int(Int64($0.hardLimit ?? 0))])
            })
        }
        if let p = c.linuxParameters {
            if let add = p.capabilities?.add { o["CapAdd"] = .array(add.map(JSONValue.string)) }
            if let drop = p.capabilities?.drop { o["CapDrop"] = .array(drop.map(JSONValue.string)) }
            if let devices = p.devices {
                o["Devices"] = .array(devices.map {
                    .object(["PathOnHost": .string($0.hostPath ?? ""), "PathInContainer": .string($0.containerPath ?? $0.hostPath ?? ""),
                             "CgroupPermissions": .string(($0.permissions ?? ["read", "write", "mknod"]).map { String($0.prefix(1)) }.joined())])
                })
            }
            if let initProcess = p.initProcessEnabled { o["Init"] = .bool(initProcess) }
            if let shm = p.sharedMemorySize { o["ShmSize"] = .int(Int64(shm) * mebibyte) }
            if let tmpfs = p.tmpfs, !tmpfs.isEmpty {
                var map: [String: JSONValue] = [:]
                for t in tmpfs { map[t.containerPath ?? ""] = .string((["size=\(t.size ?? 0)m"] + (t.mountOptions ?? [])).joined(separator: ",")) }
                o["Tmpfs"] = .object(map)
            }
            if let swap = p.maxSwap { o["MemorySwap"] = .int((Int64(swap) + Int64(c.memory ?? 0)) * mebibyte) }
            if let swappiness = p.swappiness { o["MemorySwappiness"] = .int(Int64(swappiness)) }
        }
        if let privileged = c.privileged { o["Privileged"] = .bool(privileged) }
        if let readOnly = c.readonlyRootFilesystem { o["ReadonlyRootfs"] = .bool(readOnly) }
        if let dns = c.dnsServers { o["Dns"] = .array(dns.map(JSONValue.string)) }
        if let search = c.dnsSearchDomains { o["DnsSearch"] = .array(search.map(JSONValue.string)) }
        if let hosts = c.extraHosts { o["ExtraHosts"] = .array(hosts.map { .string("\($0.hostname ?? ""):\($0.ipAddress ?? "")") }) }
        if let security = c.dockerSecurityOptions { o["SecurityOpt"] = .array(security.map(JSONValue.string)) }
        if let sysctls = c.systemControls, !sysctls.isEmpty {
            var map: [String: JSONValue] = [:]
            for s in sysctls { map[s.namespace ?? ""] = .string(s.value ?? "") }
            o["Sysctls"] = .object(map)
        }
        if let log = c.logConfiguration, let driver = log.logDriver {
            o["LogConfig"] = .object(["Type": .string(driver), "Config": .object((log.options ?? [:]).mapValues(JSONValue.string))])
        }
        return .object(o)
    }

    /// RFC 3339 with whole seconds: what container SDKs parse in `expiration`.
    static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
