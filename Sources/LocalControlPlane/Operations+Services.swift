import AWSSupport
import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A service with the scheduler's bookkeeping the API does not show.
struct ServiceRecord: Codable, Sendable {
    /// The API view; counts and deployments are filled in when shown.
    var service: ECSService
    /// Deployments, PRIMARY first; the tasks of one carry its id in `startedBy`.
    var deployments: [Deployment]
    /// Newest first, at most `ServiceRecord.eventLimit`.
    var events: [ServiceEvent] = []
    /// Tasks that stopped without the scheduler asking, one after another: the restart backoff.
    var consecutiveFailures = 0
    /// No launch before this time (epoch seconds).
    var nextLaunchAt: Double = 0
    /// Whether the last pass found the service at its steady state (the event is sent once).
    var steady = false
    /// The last "unable to place" message and when it was sent (repeated at most once a minute).
    var lastPlacementMessage: String?
    var lastPlacementEventAt: Double = 0

    static let eventLimit = 100
    var arn: String { service.serviceArn ?? "" }
    var name: String { service.serviceName ?? "" }
    var isDaemon: Bool { service.schedulingStrategy == "DAEMON" }
    var group: String { "service:\(name)" }
}

extension ControlPlane {
    func createService(_ input: Input) async throws -> JSONValue {
        let cluster = try clusterArn(input)
        let name = try input.required("serviceName")
        guard name.count <= 255, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw AWSError.invalidParameter("serviceName may contain up to 255 letters, numbers, hyphens and underscores.")
        }
        let arn = arns.service(cluster: clusterName(cluster), name: name)
        if let existing = services[arn], existing.service.status != "INACTIVE" {
            throw AWSError.invalidParameter("Creation of service was not idempotent.")
        }
        let strategy = try input.string("schedulingStrategy") ?? "REPLICA"
        guard strategy == "REPLICA" || strategy == "DAEMON" else { throw AWSError.invalidParameter("schedulingStrategy must be REPLICA or DAEMON.") }
        if let launchType = try input.string("launchType"), launchType != "EC2", launchType != "EXTERNAL" {
            throw AWSError.invalidParameter("ecs-local runs services on EC2 and EXTERNAL container instances only, not \(launchType).")
        }
        let definitionArn = try resolveTaskDefinition(try input.required("taskDefinition"))
        var desired = try input.int("desiredCount")
        if strategy == "DAEMON" {
            guard desired == nil else { throw AWSError.invalidParameter("The daemon scheduling strategy does not support a desired count for services.") }
            guard try input.array("placementStrategy").isEmpty else {
                throw AWSError.invalidParameter("The daemon scheduling strategy does not support placement strategies.")
            }
            desired = 0
        }
        guard let count = desired, count >= 0 else { throw AWSError.invalidParameter("desiredCount is required and must be 0 or more for the REPLICA scheduling strategy.") }
        let configuration = try deploymentConfiguration(input, daemon: strategy == "DAEMON", current: nil)
        let strategies = try input.decode("placementStrategy", as: [PlacementStrategy].self) ?? []
        let constraints = try input.decode("placementConstraints", as: [PlacementConstraint].self) ?? []
        _ = try Placement.Policy.parse(strategies: strategies.map { json($0) }, constraints: constraints)

        var s = ECSService()
        s.serviceArn = arn
        s.serviceName = name
        s.clusterArn = cluster
        s.status = "ACTIVE"
        s.desiredCount = count
        s.launchType = "EC2"
        s.taskDefinition = definitionArn
        s.deploymentConfiguration = configuration
        s.createdAt = now()
        s.createdBy = arns.role("ecs-local")
        s.placementConstraints = constraints
        s.placementStrategy = strategies
        s.schedulingStrategy = strategy
        s.loadBalancers = []
        s.serviceRegistries = []
        s.enableECSManagedTags = try input.bool("enableECSManagedTags") ?? false
        s.enableExecuteCommand = try input.bool("enableExecuteCommand") ?? false
        s.propagateTags = try input.string("propagateTags") ?? "NONE"
        s.deploymentController = DeploymentController(type: "ECS")
        s.healthCheckGracePeriodSeconds = try input.int("healthCheckGracePeriodSeconds")
        var record = ServiceRecord(service: s, deployments: [newDeployment(definitionArn, desired: count)])
        record.service.tags = try input.decode("tags", as: [Tag].self)
        return try await commit(record)
    }

    func updateService(_ input: Input) async throws -> JSONValue {
        var r = try activeService(input)
        if let count = try input.int("desiredCount") {
            guard !r.isDaemon else { throw AWSError.invalidParameter("The daemon scheduling strategy does not support a desired count for services.") }
            guard count >= 0 else { throw AWSError.invalidParameter("desiredCount must be 0 or more.") }
            r.service.desiredCount = count
        }
        r.service.deploymentConfiguration = try deploymentConfiguration(input, daemon: r.isDaemon, current: r.service.deploymentConfiguration)
        if let strategies = try input.decode("placementStrategy", as: [PlacementStrategy].self) {
            guard !r.isDaemon || strategies.isEmpty else { throw AWSError.invalidParameter("The daemon scheduling strategy does not support placement strategies.") }
            r.service.placementStrategy = strategies
        }
        if let constraints = try input.decode("placementConstraints", as: [PlacementConstraint].self) { r.service.placementConstraints = constraints }
        _ = try Placement.Policy.parse(strategies: (r.service.placementStrategy ?? []).map { json($0) }, constraints: r.service.placementConstraints ?? [])
        var definitionArn = r.service.taskDefinition ?? ""
        if let given = try input.string("taskDefinition") { definitionArn = try resolveTaskDefinition(given) }
        // A new task definition, or forceNewDeployment, starts a rolling deployment: the new
        // one is PRIMARY, the others ACTIVE until their tasks are replaced.
        let force = try input.bool("forceNewDeployment") ?? false
        if definitionArn != r.service.taskDefinition || force {
            r.service.taskDefinition = definitionArn
            for i in r.deployments.indices where r.deployments[i].status == "PRIMARY" {
                r.deployments[i].status = "ACTIVE"
                r.deployments[i].updatedAt = now()
            }
            r.deployments.insert(newDeployment(definitionArn, desired: r.service.desiredCount ?? 0), at: 0)
            r.steady = false
        }
        r.deployments[0].desiredCount = r.service.desiredCount
        return try await commit(r)
    }

    func deleteService(_ input: Input) async throws -> JSONValue {
        var r = try activeService(input)
        let force = try input.bool("force") ?? false
        if !force && !r.isDaemon && (r.service.desiredCount ?? 0) > 0 {
            throw AWSError.invalidParameter("The service cannot be stopped while it is scaled above 0.")
        }
        // DRAINING until its tasks are gone, then INACTIVE (the scheduler's pass).
        r.service.status = "DRAINING"
        r.service.desiredCount = 0
        for i in r.deployments.indices { r.deployments[i].desiredCount = 0 }
        return try await commit(r)
    }

    /// The service a call names (`service` in `cluster`), which must be ACTIVE.
    private func activeService(_ input: Input) throws -> ServiceRecord {
        let arn = try serviceArn(try input.required("service"), cluster: try clusterArn(input))
        let r = services[arn]!
        guard r.service.status == "ACTIVE" else { throw AWSError("ServiceNotActiveException", "Service was not ACTIVE.") }
        return r
    }

    /// Keeps a changed service, runs a scheduler pass for it, and answers with what it shows.
    private func commit(_ r: ServiceRecord) async throws -> JSONValue {
        services[r.arn] = r
        save(service: r.arn)
        try await schedule(r.arn)
        return .object(["service": json(shown(service: r.arn))])
    }

    func describeServices(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let requested = try input.strings("services")
        guard !requested.isEmpty else { throw AWSError.invalidParameter("Services cannot be empty.") }
        guard requested.count <= 10 else { throw AWSError.invalidParameter("At most 10 services can be described at once.") }
        let withTags = try input.strings("include").contains("TAGS")
        var found: [JSONValue] = []
        var failures: [Failure] = []
        for given in requested {
            if let arn = try? serviceArn(given, cluster: cluster, includeInactive: true) {
                var s = shown(service: arn)
                if !withTags { s.tags = nil }
                found.append(json(s))
            } else {
                failures.append(Failure(arn: given.hasPrefix("arn:") ? given : arns.service(cluster: clusterName(cluster), name: given), reason: "MISSING"))
            }
        }
        return .object(["services": .array(found), "failures": json(failures)])
    }

    func listServices(_ input: Input) throws -> JSONValue {
        let cluster = try clusterArn(input)
        let strategy = try input.string("schedulingStrategy")
        let list = services.values.filter { $0.service.clusterArn == cluster && $0.service.status != "INACTIVE" && (strategy == nil || $0.service.schedulingStrategy == strategy) }
            .map(\.arn).sorted()
        let (page, next) = try paginate(list, input)
        var out: [String: JSONValue] = ["serviceArns": json(page)]
        if let next { out["nextToken"] = .string(next) }
        return .object(out)
    }

    // MARK: helpers

    func serviceArn(_ given: String, cluster: String, includeInactive: Bool = false) throws -> String {
        let arn = given.hasPrefix("arn:") ? given : arns.service(cluster: clusterName(cluster), name: given)
        guard let r = services[arn], r.service.clusterArn == cluster, includeInactive || r.service.status != "INACTIVE" else {
            throw AWSError("ServiceNotFoundException", "Service not found.")
        }
        return arn
    }

    func newDeployment(_ definitionArn: String, desired: Int) -> Deployment {
        var d = Deployment()
        var digits = ""
        for _ in 0..<19 { digits += String(Int.random(in: 0...9)) }
        d.id = "ecs-svc/" + digits
        d.status = "PRIMARY"
        d.taskDefinition = definitionArn
        d.desiredCount = desired
        d.failedTasks = 0
        d.createdAt = now()
        d.updatedAt = d.createdAt
        d.launchType = "EC2"
        d.rolloutState = "IN_PROGRESS"
        d.rolloutStateReason = "ECS deployment \(d.id!) in progress."
        return d
    }

    /// AWS's defaults (REPLICA 200/100, DAEMON 100/0) and limits.
    func deploymentConfiguration(_ input: Input, daemon: Bool, current: DeploymentConfiguration?) throws -> DeploymentConfiguration {
        var c = current ?? DeploymentConfiguration(maximumPercent: daemon ? 100 : 200, minimumHealthyPercent: daemon ? 0 : 100)
        if let given = try input.decode("deploymentConfiguration", as: DeploymentConfiguration.self) {
            if let max = given.maximumPercent { c.maximumPercent = max }
            if let min = given.minimumHealthyPercent { c.minimumHealthyPercent = min }
            c.deploymentCircuitBreaker = given.deploymentCircuitBreaker ?? c.deploymentCircuitBreaker
        }
        let (max, min) = (c.maximumPercent ?? 200, c.minimumHealthyPercent ?? 100)
        guard (0...100).contains(min) else { throw AWSError.invalidParameter("deploymentConfiguration.minimumHealthyPercent must be between 0 and 100.") }
        guard max >= 100 || daemon, max <= 200 || daemon else { throw AWSError.invalidParameter("deploymentConfiguration.maximumPercent must be between 100 and 200.") }
        guard max > min else { throw AWSError.invalidParameter("deploymentConfiguration.maximumPercent must be greater than minimumHealthyPercent.") }
        return c
    }

    func save(service arn: String) {
        if let r = services[arn] { put(.service, arn, r) } else { pendingChange.deletes.append((.service, arn)) }
    }

    /// The service as Describe shows it: counts of its live tasks, per deployment and in all.
    func shown(service arn: String) -> ECSService {
        let r = services[arn]!
        var s = r.service
        var deployments = r.deployments
        var running = 0, pending = 0
        for i in deployments.indices {
            let live = serviceTasks(r).filter { $0.task.startedBy == deployments[i].id && $0.task.desiredStatus != "STOPPED" }
            deployments[i].runningCount = live.filter { $0.task.lastStatus == "RUNNING" }.count
            deployments[i].pendingCount = live.filter { $0.task.lastStatus != "RUNNING" }.count
            running += deployments[i].runningCount!
            pending += deployments[i].pendingCount!
        }
        s.deployments = deployments
        s.runningCount = running
        s.pendingCount = pending
        s.events = r.events
        return s
    }

    func serviceTasks(_ r: ServiceRecord) -> [TaskRecord] {
        tasks.values.filter { $0.clusterArn == r.service.clusterArn && $0.task.group == r.group && $0.task.startedBy?.hasPrefix("ecs-svc/") == true }
    }
}
