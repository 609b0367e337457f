import AWSSupport
import ECSModel

extension ControlPlane {
    func registerTaskDefinition(_ input: Input) throws -> JSONValue {
        let family = try input.required("family")
        guard family.count <= 255, family.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw AWSError.client("Family contains invalid characters; up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed.")
        }
        guard var containers = try input.decode("containerDefinitions", as: [ContainerDefinition].self), !containers.isEmpty else {
            throw AWSError.client("Container list cannot be empty.")
        }
        var definition = TaskDefinition()
        definition.family = family
        definition.taskRoleArn = try input.string("taskRoleArn")
        definition.executionRoleArn = try input.string("executionRoleArn")
        let networkMode = try input.string("networkMode") ?? "bridge"
        guard ["bridge", "host", "awsvpc", "none"].contains(networkMode) else {
            throw AWSError.invalidParameter("networkMode must be one of bridge, host, awsvpc, none.")
        }
        definition.networkMode = networkMode
        definition.volumes = try input.decode("volumes", as: [Volume].self) ?? []
        definition.placementConstraints = try input.decode("placementConstraints", as: [PlacementConstraint].self) ?? []
        definition.requiresCompatibilities = try input.decode("requiresCompatibilities", as: [String].self)
        if let compat = definition.requiresCompatibilities, compat.contains(where: { $0 != "EC2" && $0 != "EXTERNAL" }) {
            throw AWSError.client("ecs-local runs tasks on EC2 and EXTERNAL container instances only; requiresCompatibilities \(compat) cannot be met.")
        }
        definition.cpu = try input.string("cpu")
        definition.memory = try input.string("memory")
        definition.pidMode = try input.string("pidMode")
        definition.ipcMode = try input.string("ipcMode")
        let taskMemory = try definition.memory.map { try Self.parseTaskMemory($0) }
        if let cpu = definition.cpu { _ = try Self.parseTaskCPU(cpu) }

        let volumeNames = Set((definition.volumes ?? []).compactMap(\.name))
        var names = Set<String>()
        for i in containers.indices {
            var c = containers[i]
            let label = "containerDefinitions[\(i)]"
            guard let name = c.name, !name.isEmpty else { throw AWSError.client("\(label).name is required.") }
            guard c.image?.isEmpty == false else { throw AWSError.client("Container.image should not be null or empty.") }
            guard names.insert(name).inserted else { throw AWSError.client("Duplicate container name '\(name)' in containerDefinitions.") }
            if c.memory == nil && c.memoryReservation == nil && taskMemory == nil {
                throw AWSError.client("Invalid setting for container '\(name)'. At least one of 'memory' or 'memoryReservation' must be specified.")
            }
            if let hard = c.memory, let soft = c.memoryReservation, soft > hard {
                throw AWSError.client("Invalid setting for container '\(name)'. The memoryReservation must be less than or equal to memory.")
            }
            if let m = c.memory, m < 6 { throw AWSError.client("Invalid 'memory' setting for container '\(name)'. The value must be at least 6 MiB.") }
            if let cpu = c.cpu, cpu < 0 { throw AWSError.client("Invalid 'cpu' setting for container '\(name)'.") }
            c.essential = c.essential ?? true
            c.cpu = c.cpu ?? 0
            c.environment = c.environment ?? []
            c.mountPoints = c.mountPoints ?? []
            c.volumesFrom = c.volumesFrom ?? []
            c.portMappings = try (c.portMappings ?? []).map { try normalise($0, container: name, networkMode: networkMode) }
            for mount in c.mountPoints ?? [] {
                guard let volume = mount.sourceVolume, volumeNames.contains(volume) else {
                    throw AWSError.client("Invalid 'mountPoints' setting for container '\(name)': unknown volume '\(mount.sourceVolume ?? "")'.")
                }
            }
            containers[i] = c
        }
        for c in containers {
            for dependency in c.dependsOn ?? [] {
                guard let target = dependency.containerName, names.contains(target), target != c.name else {
                    throw AWSError.client("Invalid 'dependsOn' setting for container '\(c.name!)': no container named '\(dependency.containerName ?? "")'.")
                }
                guard ["START", "COMPLETE", "SUCCESS", "HEALTHY"].contains(dependency.condition ?? "") else {
                    throw AWSError.client("Invalid 'dependsOn' condition for container '\(c.name!)': must be START, COMPLETE, SUCCESS or HEALTHY.")
                }
            }
            for from in c.volumesFrom ?? [] where !names.contains(from.sourceContainer ?? "") {
                throw AWSError.client("Invalid 'volumesFrom' setting for container '\(c.name!)': no container named '\(from.sourceContainer ?? "")'.")
            }
        }
        definition.containerDefinitions = containers

        let revision = (taskDefinitions.values.filter { $0.family == family }.compactMap(\.revision).max() ?? 0) + 1
        let arn = arns.taskDefinition(family, revision)
        definition.taskDefinitionArn = arn
        definition.revision = revision
        definition.status = "ACTIVE"
        definition.compatibilities = ["EXTERNAL", "EC2"]
        definition.requiresAttributes = requiredAttributes(definition)
        definition.registeredAt = now()
        definition.registeredBy = "arn:aws:iam::\(options.account):root"
        taskDefinitions[arn] = definition
        taskDefinitionTags[arn] = try input.decode("tags", as: [Tag].self) ?? []
        save(taskDefinition: arn)
        return .object(["taskDefinition": json(definition), "tags": json(taskDefinitionTags[arn] ?? [])])
    }

    private func normalise(_ mapping: PortMapping, container: String, networkMode: String) throws -> PortMapping {
        var m = mapping
        let proto = m.protocol_ ?? "tcp"
        guard proto == "tcp" || proto == "udp" else {
            throw AWSError.client("Invalid protocol '\(proto)' in portMappings of container '\(container)'; use tcp or udp.")
        }
        m.protocol_ = proto
        if let range = m.containerPortRange {
            guard m.containerPort == nil, Self.parseRange(range) != nil else {
                throw AWSError.client("Invalid containerPortRange '\(range)' for container '\(container)'; use start-end, and no containerPort with it.")
            }
            return m
        }
        guard let port = m.containerPort, (1...65535).contains(port) else {
            throw AWSError.client("Invalid 'containerPort' in portMappings of container '\(container)'; it must be 1-65535.")
        }
        if let host = m.hostPort, !(0...65535).contains(host) {
            throw AWSError.client("Invalid 'hostPort' in portMappings of container '\(container)'; it must be 0-65535.")
        }
        if networkMode == "host" || networkMode == "awsvpc" {
            if let host = m.hostPort, host != 0, host != port {
                throw AWSError.client("When networkMode=\(networkMode), the containerPort and hostPort values must match.")
            }
            m.hostPort = port
        }
        return m
    }

    static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), 1 <= a, a < b, b <= 65535 else { return nil }
        return a...b
    }

    /// Task memory: MiB as a number, or "1 GB" / "2GB".
    static func parseTaskMemory(_ text: String) throws -> Int {
        let t = text.lowercased().replacing(" ", with: "")
        if let v = Int(t), v > 0 { return v }
        if t.hasSuffix("gb"), let v = Double(t.dropLast(2)), v > 0 { return Int(v * 1024) }
        throw AWSError.client("Invalid 'memory' setting for task: '\(text)'. Use MiB (512) or GB (1GB).")
    }

    /// Task CPU: units as a number, or "1 vCPU".
    static func parseTaskCPU(_ text: String) throws -> Int {
        let t = text.lowercased().replacing(" ", with: "")
        if let v = Int(t), v > 0 { return v }
        if t.hasSuffix("vcpu"), let v = Double(t.dropLast(4)), v > 0 { return Int(v * 1024) }
        throw AWSError.client("Invalid 'cpu' setting for task: '\(text)'. Use CPU units (1024) or vCPUs (1 vCPU).")
    }

    /// The capability attributes a task definition needs, as AWS lists them.
    func requiredAttributes(_ d: TaskDefinition) -> [Attribute] {
        var names: [String] = []
        let containers = d.containerDefinitions ?? []
        if containers.contains(where: { $0.dependsOn?.isEmpty == false }) { names.append("ecs.capability.container-ordering") }
        if containers.contains(where: { $0.healthCheck != nil }) { names.append("ecs.capability.container-health-check") }
        if d.taskRoleArn != nil { names.append("com.amazonaws.ecs.capability.task-iam-role") }
        if d.executionRoleArn != nil && containers.contains(where: { $0.logConfiguration?.logDriver == "awslogs" }) {
            names.append("ecs.capability.execution-role-awslogs")
        }
        for driver in Set(containers.compactMap { $0.logConfiguration?.logDriver }).sorted() {
            names.append("com.amazonaws.ecs.capability.logging-driver.\(driver)")
        }
        if containers.contains(where: { $0.privileged == true }) { names.append("com.amazonaws.ecs.capability.privileged-container") }
        if containers.contains(where: { $0.portMappings?.contains { $0.containerPortRange != nil } == true }) {
            names.append("ecs.capability.network.container-port-range")
        }
        if containers.contains(where: { $0.restartPolicy?.enabled == true }) { names.append("ecs.capability.container-restart-policy") }
        return names.map { Attribute(name: $0) }
    }

    /// `family`, `family:revision` or an ARN → the task definition's ARN.
    func resolveTaskDefinition(_ given: String, activeOnly: Bool = true) throws -> String {
        if given.hasPrefix("arn:") {
            guard taskDefinitions[given] != nil else { throw AWSError.client("Unable to describe task definition.") }
            return given
        }
        if given.contains(":") {
            let arn = arns.prefix + "task-definition/" + given
            guard taskDefinitions[arn] != nil else { throw AWSError.client("Unable to describe task definition.") }
            return arn
        }
        let candidates = taskDefinitions.values.filter { $0.family == given && (!activeOnly || $0.status == "ACTIVE") }
        guard let latest = candidates.max(by: { ($0.revision ?? 0) < ($1.revision ?? 0) }) else {
            throw AWSError.client("Unable to describe task definition.")
        }
        return latest.taskDefinitionArn!
    }

    func describeTaskDefinition(_ input: Input) throws -> JSONValue {
        let arn = try resolveTaskDefinition(try input.required("taskDefinition"))
        var out: [String: JSONValue] = ["taskDefinition": json(taskDefinitions[arn]!)]
        if try input.strings("include").contains("TAGS") { out["tags"] = json(taskDefinitionTags[arn] ?? []) }
        return .object(out)
    }

    func deregisterTaskDefinition(_ input: Input) throws -> JSONValue {
        let given = try input.required("taskDefinition")
        guard given.contains(":") else {
            throw AWSError.client("Invalid revision number. Number: \(given)")
        }
        let arn = try resolveTaskDefinition(given, activeOnly: false)
        if taskDefinitions[arn]?.status == "ACTIVE" {
            taskDefinitions[arn]?.status = "INACTIVE"
            taskDefinitions[arn]?.deregisteredAt = now()
            save(taskDefinition: arn)
        }
        return .object(["taskDefinition": json(taskDefinitions[arn]!)])
    }

    func listTaskDefinitions(_ input: Input) throws -> JSONValue {
        let prefix = try input.string("familyPrefix")
        let status = try input.string("status") ?? "ACTIVE"
        let descending = try input.string("sort") == "DESC"
        var matches = taskDefinitions.values.filter { ($0.status == status || status == "ALL") && (prefix == nil || $0.family == prefix) }
        matches.sort { ($0.family!, $0.revision!) < ($1.family!, $1.revision!) }
        if descending { matches.reverse() }
        let (page, next) = try paginate(matches.compactMap(\.taskDefinitionArn), input)
        var out: [String: JSONValue] = ["taskDefinitionArns": json(page)]
        if let next { out["nextToken"] = .string(next) }
        return .object(out)
    }

    func listTaskDefinitionFamilies(_ input: Input) throws -> JSONValue {
        let prefix = try input.string("familyPrefix") ?? ""
        let status = try input.string("status") ?? "ACTIVE"
        var families = Set<String>()
        for d in taskDefinitions.values where d.family!.hasPrefix(prefix) {
            let familyActive = taskDefinitions.values.contains { $0.family == d.family && $0.status == "ACTIVE" }
            if status == "ALL" || (status == "ACTIVE" && familyActive) || (status == "INACTIVE" && !familyActive) { families.insert(d.family!) }
        }
        let (page, next) = try paginate(families.sorted(), input)
        var out: [String: JSONValue] = ["families": json(page)]
        if let next { out["nextToken"] = .string(next) }
        return .object(out)
    }
}
