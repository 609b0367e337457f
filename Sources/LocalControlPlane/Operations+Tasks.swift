import AWSSupport
import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ControlPlane {
    func runTask(_ input: Input) async throws -> JSONValue {
        let cluster = try clusterArn(input)
        let count = try input.int("count") ?? 1
        guard (1...10).contains(count) else { throw AWSError.invalidParameter("count must be between 1 and 10.") }
        if let launchType = try input.string("launchType"), launchType != "EC2", launchType != "EXTERNAL" {
            throw AWSError.invalidParameter("ecs-local runs tasks on EC2 and EXTERNAL container instances only, not \(launchType).")
        }
        let definitionArn = try resolveTaskDefinition(try input.required("taskDefinition"))
        let definition = taskDefinitions[definitionArn]!
        // The task definition's memberOf constraints apply with the call's own.
        let policy = try Placement.Policy.parse(strategies: try input.array("placementStrategy"),
                                                constraints: (definition.placementConstraints ?? []) + (try input.decode("placementConstraints", as: [PlacementConstraint].self) ?? []))
        let group = try input.string("group") ?? "family:\(definition.family ?? "")"
        guard !placementPool(cluster: cluster, group: group).isEmpty else { throw AWSError.invalidParameter("No Container Instances were found in your cluster.") }
        var started: [JSONValue] = []
        var failures: [Failure] = []
        for _ in 0..<count {
            let demand = try Placement.demand(definition, overrides: try input.decode("overrides", as: TaskOverride.self))
            // Rebuilt for each task: the previous one now counts on its instance.
            let pool = placementPool(cluster: cluster, group: group)
            switch Placement.choose(demand, among: pool, policy: policy) {
            case .placed(let instance):
                started.append(json(try await launch(definitionArn, on: instance, demand: demand, input: input)))
            case .unplaceable(let reasons):
                failures += reasons
            }
        }
        return .object(["tasks": .array(started), "failures": json(failures)])
    }

    func startTask(_ input: Input) async throws -> JSONValue {
        let cluster = try clusterArn(input)
        let definitionArn = try resolveTaskDefinition(try input.required("taskDefinition"))
        let targets = try input.strings("containerInstances")
        guard !targets.isEmpty, targets.count <= 10 else { throw AWSError.invalidParameter("containerInstances must name 1 to 10 container instances.") }
        var started: [JSONValue] = []
        var failures: [Failure] = []
        for given in targets {
            guard let arn = try? instanceArn(given, cluster: cluster) else {
                failures.append(Failure(arn: given, reason: "MISSING"))
                continue
            }
            let demand = try Placement.demand(taskDefinitions[definitionArn]!, overrides: try input.decode("overrides", as: TaskOverride.self))
            if let reason = Placement.misfit(demand, on: .init(arn: arn, record: instances[arn]!, usage: usage(of: arn))) {
                failures.append(Failure(arn: arn, reason: reason))
            } else {
                started.append(json(try await launch(definitionArn, on: arn, demand: demand, input: input)))
            }
        }
        return .object(["tasks": .array(started), "failures": json(failures)])
    }

    /// Records a new task on `instanceArn` and queues its payload for that instance's agent.
    func launch(_ definitionArn: String, on instanceArn: String, demand: Demand, input: Input) async throws -> ECSTask {
        let definition = taskDefinitions[definitionArn]!
        let record = instances[instanceArn]!
        let clusterId = clusterName(record.clusterArn)
        let taskId = Identifiers.hex32()
        let taskArn = arns.task(cluster: clusterId, id: taskId)
        let overrides = try input.decode("overrides", as: TaskOverride.self)
        for o in overrides?.containerOverrides ?? [] where !(definition.containerDefinitions ?? []).contains(where: { $0.name == o.name }) {
            throw AWSError.invalidParameter("Override for container named \(o.name ?? "") is not a container in the TaskDefinition.")
        }
        var containerArns: [String: String] = [:]
        var containers: [Container] = []
        for c in definition.containerDefinitions ?? [] {
            let arn = arns.container(cluster: clusterId, taskId: taskId, id: Identifiers.uuid())
            containerArns[c.name ?? ""] = arn
            var container = Container()
            container.containerArn = arn
            container.taskArn = taskArn
            container.name = c.name
            container.image = c.image
            container.lastStatus = "PENDING"
            container.networkBindings = []
            container.cpu = String(c.cpu ?? 0)
            container.memory = c.memory.map(String.init)
            container.memoryReservation = c.memoryReservation.map(String.init)
            container.healthStatus = c.healthCheck == nil ? nil : "UNKNOWN"
            containers.append(container)
        }
        let group = try input.string("group") ?? "family:\(definition.family ?? "")"
        var roleCredentials: IAMRoleCredentials?
        var executionCredentials: IAMRoleCredentials?
        if let role = overrides?.taskRoleArn ?? definition.taskRoleArn {
            roleCredentials = try await self.roleCredentials(roleArn: role, sessionName: "ecs-task-\(taskId)")
        }
        if let role = overrides?.executionRoleArn ?? definition.executionRoleArn {
            executionCredentials = try await self.roleCredentials(roleArn: role, sessionName: "ecs-execution-\(taskId)")
        }
        let acs = try TaskTranslation.acsTask(definition, overrides: overrides, context: .init(
            taskArn: taskArn, clusterArn: record.clusterArn, accountId: options.account, group: group, containerArns: containerArns,
            roleCredentials: roleCredentials, executionRoleCredentials: executionCredentials, region: options.region,
            ecrRegistries: options.ecrRegistries))

        var task = ECSTask()
        task.taskArn = taskArn
        task.clusterArn = record.clusterArn
        task.taskDefinitionArn = definitionArn
        task.containerInstanceArn = instanceArn
        task.overrides = overrides ?? TaskOverride()
        if task.overrides?.containerOverrides == nil { task.overrides?.containerOverrides = [] }
        task.lastStatus = "PENDING"
        task.desiredStatus = "RUNNING"
        task.cpu = String(demand.cpu)
        task.memory = String(demand.memory)
        task.containers = containers
        task.startedBy = try input.string("startedBy")
        task.version = 1
        task.createdAt = now()
        task.group = group
        task.launchType = "EC2"
        task.availabilityZone = options.region + "a"
        task.attributes = [Attribute(name: "ecs.cpu-architecture", value: "x86_64")]
        task.connectivity = "CONNECTED"
        task.connectivityAt = task.createdAt
        task.enableExecuteCommand = false
        let tags = try input.decode("tags", as: [Tag].self) ?? []
        task.tags = tags
        tasks[taskArn] = TaskRecord(task: task, clusterArn: record.clusterArn, instanceArn: instanceArn, cpu: demand.cpu,
                                    memory: demand.memory, tcpPorts: demand.tcp, udpPorts: demand.udp, acsTask: acs, tags: tags)
        save(task: taskArn)
        enqueuePayload(for: taskArn)
        logger.info("task placed", metadata: ["task": "\(taskArn)", "containerInstance": "\(instanceArn)"])
        return task
    }

    func taskArn(_ given: String, cluster: String) throws -> String {
        let arn = given.hasPrefix("arn:") ? given : arns.task(cluster: clusterName(cluster), id: given)
        guard let r = tasks[arn], r.clusterArn == cluster else {
            throw AWSError.invalidParameter("The referenced task was not found.")
        }
        return arn
    }

    func stopTask(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let arn = try taskArn(try input.required("task"), cluster: cluster)
        let reason = try input.string("reason") ?? "Task stopped by user"
        guard reason.count <= 255 else { throw AWSError.invalidParameter("reason can be at most 255 characters.") }
        stop(task: arn, reason: reason, code: "UserInitiated")
        return .object(["task": json(tasks[arn]!.task)])
    }

    /// Asks the task's agent to stop it (the payload says STOPPED); nothing when already asked.
    func stop(task arn: String, reason: String, code: String) {
        if tasks[arn]!.task.desiredStatus != "STOPPED" {
            tasks[arn]!.task.desiredStatus = "STOPPED"
            tasks[arn]!.task.stoppedReason = reason
            tasks[arn]!.task.stopCode = code
            tasks[arn]!.task.stoppingAt = now()
            // As in ECS, a stopping task's slot is free for placement at once; the agent makes
            // a task placed there wait until the stopping one has really let go (its local
            // admission), which is what user-pain.md §2 (#1667, #5138) is about.
            tasks[arn]!.holdsResources = false
            tasks[arn]!.task.version = (tasks[arn]!.task.version ?? 1) + 1
            tasks[arn]!.acsTask.desiredStatus = "STOPPED"
            save(task: arn)
            enqueuePayload(for: arn)
        }
    }

    func describeTasks(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let requested = try input.strings("tasks")
        guard !requested.isEmpty else { throw AWSError.invalidParameter("Tasks cannot be empty.") }
        guard requested.count <= 100 else { throw AWSError.invalidParameter("At most 100 tasks can be described at once.") }
        let withTags = try input.strings("include").contains("TAGS")
        var found: [JSONValue] = []
        var failures: [Failure] = []
        for given in requested {
            if let arn = try? taskArn(given, cluster: cluster) {
                var t = tasks[arn]!.task
                t.tags = withTags ? tasks[arn]!.tags : nil
                found.append(json(t))
            } else {
                failures.append(Failure(arn: given.hasPrefix("arn:") ? given : arns.task(cluster: clusterName(cluster), id: given), reason: "MISSING"))
            }
        }
        return .object(["tasks": .array(found), "failures": json(failures)])
    }

    func listTasks(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let instance = try input.string("containerInstance").map { try instanceArn($0, cluster: cluster) }
        let family = try input.string("family")
        let startedBy = try input.string("startedBy")
        let desired = try input.string("desiredStatus") ?? "RUNNING"
        guard ["RUNNING", "PENDING", "STOPPED"].contains(desired) else {
            throw AWSError.invalidParameter("desiredStatus must be RUNNING, PENDING or STOPPED.")
        }
        let service = try input.string("serviceName").map { given in
            given.hasPrefix("arn:") ? String(given.split(separator: "/").last ?? "") : given
        }
        let matches = tasks.values.filter { r in
            r.clusterArn == cluster
                && (service == nil || r.task.group == "service:\(service!)")
                && (instance == nil || r.instanceArn == instance)
                && (family == nil || taskDefinitions[r.task.taskDefinitionArn ?? ""]?.family == family)
                && (startedBy == nil || r.task.startedBy == startedBy)
                && (desired == "PENDING" ? r.task.lastStatus == "PENDING" : r.task.desiredStatus == desired)
        }.map(\.arn).sorted()
        let (page, next) = try paginate(matches, input)
        var out: [String: JSONValue] = ["taskArns": json(page)]
        if let next { out["nextToken"] = .string(next) }
        return .object(out)
    }
}
