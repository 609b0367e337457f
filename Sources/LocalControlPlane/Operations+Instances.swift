import AWSSupport
import ECSModel

extension ControlPlane {
    func registerContainerInstance(_ input: Input) throws -> JSONValue {
        let clusterArn = try clusterArn(input)
        let resources = try input.decode("totalResources", as: [Resource].self) ?? []
        func integer(_ name: String) throws -> Int {
            guard let r = resources.first(where: { $0.name == name }) else {
                throw AWSError.invalidParameter("totalResources must include \(name).")
            }
            return r.integerValue ?? Int(r.longValue ?? 0)
        }
        func ports(_ name: String) throws -> [Int] {
            try (resources.first { $0.name == name }?.stringSetValue ?? []).map {
                guard let p = Int($0), (0...65535).contains(p) else { throw AWSError.invalidParameter("\(name) holds '\($0)', which is not a port.") }
                return p
            }
        }
        let cpu = try integer("CPU"), memory = try integer("MEMORY")
        guard cpu >= 0, memory >= 0 else { throw AWSError.invalidParameter("CPU and MEMORY must not be negative.") }
        var attributes = try input.decode("attributes", as: [Attribute].self) ?? []
        for a in attributes where a.name.isEmpty { throw AWSError.invalidParameter("attributes[].name must not be empty.") }

        let clusterId = clusterName(clusterArn)
        var arn = arns.containerInstance(cluster: clusterId, id: Identifiers.hex32())
        var existing: InstanceRecord?
        if let given = try input.string("containerInstanceArn") {
            guard arns.resource(of: "container-instance", in: given)?.hasPrefix(clusterId + "/") == true else {
                throw AWSError.invalidParameter("containerInstanceArn \(given) is not a container instance ARN of cluster \(clusterId).")
            }
            // AWS keeps a deregistered instance INACTIVE; its ARN cannot come back.
            guard !inactiveInstances.contains(given) else {
                throw AWSError.client("Container instance \(given) is inactive: it was deregistered. Register without containerInstanceArn to join as a new instance.")
            }
            arn = given
            existing = instances[given]
        }
        // AWS adds these; the agent checks that every attribute it sent comes back unchanged.
        let zone = options.region + "a"
        if !attributes.contains(where: { $0.name == "ecs.availability-zone" }) { attributes.append(Attribute(name: "ecs.availability-zone", value: zone)) }
        if !attributes.contains(where: { $0.name == "ecs.instance-type" }) { attributes.append(Attribute(name: "ecs.instance-type", value: "local")) }
        if !attributes.contains(where: { $0.name == "ecs.ami-id" }) { attributes.append(Attribute(name: "ecs.ami-id", value: "ami-local")) }
        let identity = try input.string("instanceIdentityDocument").flatMap { JSONValue.parse($0)?["instanceId"]?.stringValue }

        var instance = existing?.instance ?? ContainerInstance()
        instance.containerInstanceArn = arn
        instance.ec2InstanceId = identity ?? instance.ec2InstanceId ?? "i-" + String(Identifiers.hex32().prefix(17))
        instance.version = (instance.version ?? 0) + 1
        instance.versionInfo = try input.decode("versionInfo", as: VersionInfo.self) ?? instance.versionInfo ?? VersionInfo()
        instance.registeredResources = resources
        instance.status = existing?.instance.status == "DRAINING" ? "DRAINING" : "ACTIVE"
        instance.agentConnected = existing?.connected ?? false
        instance.attributes = attributes
        instance.registeredAt = existing?.instance.registeredAt ?? now()
        let record = InstanceRecord(
            instance: instance, clusterArn: clusterArn, registeredCPU: cpu, registeredMemory: memory,
            reservedTCP: try ports("PORTS"), reservedUDP: try ports("PORTS_UDP"),
            tags: try input.decode("tags", as: [Tag].self) ?? existing?.tags ?? [], connected: existing?.connected ?? false)
        instances[arn] = record
        save(instance: arn)
        logger.info("container instance registered", metadata: ["containerInstance": "\(arn)", "reregistration": "\(existing != nil)"])
        return .object(["containerInstance": json(shown(arn))])
    }

    /// What each instance's tasks hold.
    func usage(of instanceArn: String) -> Usage {
        var u = Usage()
        for t in tasks.values where t.instanceArn == instanceArn && t.holdsResources {
            u.cpu += t.cpu
            u.memory += t.memory
            u.tcp.formUnion(t.tcpPorts)
            u.udp.formUnion(t.udpPorts)
        }
        for t in tasks.values where t.instanceArn == instanceArn {
            if t.task.lastStatus == "PENDING" { u.pending += 1 }
            if t.task.lastStatus == "RUNNING" { u.running += 1 }
        }
        return u
    }

    /// What the cluster query language reads of an instance.
    func facts(of arn: String) -> ClusterQuery.Facts {
        let r = instances[arn]!
        var attributes: [String: String] = [:]
        for a in r.instance.attributes ?? [] { attributes[a.name] = a.value ?? "" }
        let groups = Set(tasks.values.filter { $0.instanceArn == arn && $0.task.lastStatus != "STOPPED" }.compactMap(\.task.group))
        return ClusterQuery.Facts(attributes: attributes, ec2InstanceId: r.instance.ec2InstanceId ?? "", agentConnected: r.connected,
                                  agentVersion: r.instance.versionInfo?.agentVersion ?? "", registeredAt: r.instance.registeredAt ?? 0,
                                  runningTasksCount: usage(of: arn).running, taskGroups: groups)
    }

    /// Every usable instance of a cluster as placement sees it for a task of `group`.
    func placementPool(cluster: String, group: String) -> [Placement.Candidate] {
        instances.values.filter { $0.clusterArn == cluster && $0.instance.status != "INACTIVE" }.map {
            Placement.Candidate(arn: $0.arn, record: $0, usage: usage(of: $0.arn), groupTasks: groupTasks(group, on: $0.arn), facts: facts(of: $0.arn))
        }
    }

    /// Tasks of `group` on an instance that are not stopped (what spread and distinctInstance count).
    func groupTasks(_ group: String, on arn: String) -> Int {
        tasks.values.filter { $0.instanceArn == arn && $0.task.group == group && $0.task.lastStatus != "STOPPED" && $0.task.desiredStatus != "STOPPED" }.count
    }

    /// An instance as Describe shows it: remaining resources after its tasks, counts, connection.
    func shown(_ arn: String) -> ContainerInstance {
        let r = instances[arn]!
        let u = usage(of: arn)
        var i = r.instance
        i.remainingResources = [
            .integer("CPU", r.registeredCPU - u.cpu),
            .integer("MEMORY", r.registeredMemory - u.memory),
            .stringSet("PORTS", (Set(r.reservedTCP).union(u.tcp)).sorted().map(String.init)),
            .stringSet("PORTS_UDP", (Set(r.reservedUDP).union(u.udp)).sorted().map(String.init)),
        ]
        i.runningTasksCount = u.running
        i.pendingTasksCount = u.pending
        i.agentConnected = r.connected
        i.tags = r.tags
        return i
    }

    func instanceArn(_ given: String, cluster: String) throws -> String {
        let arn = given.hasPrefix("arn:") ? given : arns.containerInstance(cluster: clusterName(cluster), id: given)
        guard let r = instances[arn], r.clusterArn == cluster else {
            throw AWSError.invalidParameter("Container instance \(given) was not found in cluster \(clusterName(cluster)).")
        }
        return arn
    }

    func deregisterContainerInstance(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let arn = try instanceArn(try input.required("containerInstance"), cluster: cluster)
        let force = try input.bool("force") ?? false
        let active = tasks.values.filter { $0.instanceArn == arn && $0.task.lastStatus != "STOPPED" }
        if !active.isEmpty && !force {
            throw AWSError.invalidParameter("Found running tasks on the instance.")
        }
        var shownInstance = shown(arn)
        shownInstance.status = "INACTIVE"
        for t in active {
            tasks[t.arn]?.task.desiredStatus = "STOPPED"
            tasks[t.arn]?.task.lastStatus = "STOPPED"
            tasks[t.arn]?.task.stoppedReason = "Container instance deregistration forced by user"
            tasks[t.arn]?.holdsResources = false
            save(task: t.arn)
        }
        instances[arn] = nil
        save(instance: arn)
        inactiveInstances.insert(arn)
        put(.inactiveInstance, arn, JSONValue.object([:]))
        // A close code other than 1000/1001/1006/1011, so the agent reads the reason (protocol.md §4.2).
        sessions[arn]?.close(code: .policyViolation, reason: #"{"InactiveInstanceException":"the container instance was deregistered"}"#)
        return .object(["containerInstance": json(shownInstance)])
    }

    func listContainerInstances(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let status = try input.string("status")
        // The cluster query language, as memberOf reads it.
        let filter = try input.string("filter").map { text throws(AWSError) in try ClusterQuery.parse(text) }
        let arnsList = instances.values.filter { $0.clusterArn == cluster && (status == nil || $0.instance.status == status) }
            .filter { filter?.matches(facts(of: $0.arn)) ?? true }
            .map(\.arn).sorted()
        let (page, next) = try paginate(arnsList, input)
        var out: [String: JSONValue] = ["containerInstanceArns": json(page)]
        if let next { out["nextToken"] = .string(next) }
        return .object(out)
    }

    func describeContainerInstances(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let requested = try input.strings("containerInstances")
        guard !requested.isEmpty else { throw AWSError.invalidParameter("containerInstances can not be blank.") }
        var found: [JSONValue] = []
        var failures: [Failure] = []
        for given in requested {
            if let arn = try? instanceArn(given, cluster: cluster) { found.append(json(shown(arn))) } else { failures.append(Failure(arn: given, reason: "MISSING")) }
        }
        return .object(["containerInstances": .array(found), "failures": json(failures)])
    }

    func updateContainerInstancesState(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let status = try input.required("status")
        guard status == "ACTIVE" || status == "DRAINING" else {
            throw AWSError.invalidParameter("status must be ACTIVE or DRAINING.")
        }
        var found: [JSONValue] = []
        var failures: [Failure] = []
        for given in try input.strings("containerInstances") {
            guard let arn = try? instanceArn(given, cluster: cluster) else {
                failures.append(Failure(arn: given, reason: "MISSING"))
                continue
            }
            instances[arn]?.instance.status = status
            save(instance: arn)
            found.append(json(shown(arn)))
        }
        return .object(["containerInstances": .array(found), "failures": json(failures)])
    }

    // MARK: attributes and tags

    func putAttributes(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let given = try input.decode("attributes", as: [Attribute].self) ?? []
        for a in given {
            guard let target = a.targetId else { throw AWSError.invalidParameter("attributes[].targetId is required.") }
            let arn = try instanceArn(target, cluster: cluster)
            var list = instances[arn]!.instance.attributes ?? []
            list.removeAll { $0.name == a.name }
            list.append(Attribute(name: a.name, value: a.value))
            instances[arn]!.instance.attributes = list
            save(instance: arn)
        }
        return .object(["attributes": json(given)])
    }

    func deleteAttributes(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let given = try input.decode("attributes", as: [Attribute].self) ?? []
        for a in given {
            guard let target = a.targetId else { throw AWSError.invalidParameter("attributes[].targetId is required.") }
            let arn = try instanceArn(target, cluster: cluster)
            instances[arn]!.instance.attributes?.removeAll { $0.name == a.name }
            save(instance: arn)
        }
        return .object(["attributes": json(given)])
    }

    func listAttributes(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        guard try input.required("targetType") == "container-instance" else {
            throw AWSError.invalidParameter("targetType must be container-instance.")
        }
        let name = try input.string("attributeName"), value = try input.string("attributeValue")
        var out: [Attribute] = []
        for r in instances.values.filter({ $0.clusterArn == cluster }).sorted(by: { $0.arn < $1.arn }) {
            for a in r.instance.attributes ?? [] where (name == nil || a.name == name) && (value == nil || a.value == value) {
                out.append(Attribute(name: a.name, value: a.value, targetType: "container-instance", targetId: r.arn))
            }
        }
        return .object(["attributes": json(out)])
    }

    func tagResource(_ input: Input) throws -> JSONValue {
        let arn = try input.required("resourceArn")
        let tags = try input.decode("tags", as: [Tag].self) ?? []
        try mutateTags(arn) { existing in
            for t in tags {
                existing.removeAll { $0.key == t.key }
                existing.append(t)
            }
        }
        return .object([:])
    }

    func untagResource(_ input: Input) throws -> JSONValue {
        let arn = try input.required("resourceArn")
        let keys = try input.strings("tagKeys")
        try mutateTags(arn) { existing in existing.removeAll { keys.contains($0.key ?? "") } }
        return .object([:])
    }

    func listTagsForResource(_ input: Input) throws -> JSONValue {
        let arn = try input.required("resourceArn")
        var tags: [Tag] = []
        try mutateTags(arn) { tags = $0 }
        return .object(["tags": json(tags)])
    }

    private func mutateTags(_ arn: String, _ body: (inout [Tag]) -> Void) throws {
        if clusters[arn] != nil {
            body(&clusterTags[arn, default: []])
            save(cluster: arn)
        } else if taskDefinitions[arn] != nil {
            body(&taskDefinitionTags[arn, default: []])
            save(taskDefinition: arn)
        } else if instances[arn] != nil {
            body(&instances[arn]!.tags)
            save(instance: arn)
        } else if tasks[arn] != nil {
            body(&tasks[arn]!.tags)
            save(task: arn)
        } else {
            throw AWSError.invalidParameter("The specified resource \(arn) was not found.")
        }
    }
}
