import AWSSupport
import ECSModel

/// The service scheduler: one pass brings a service's tasks toward what it asks for. It runs
/// after every service call and once a second (`runSchedulerPass`), inside the control plane's
/// exclusive section, so what it decides is written with everything else in one transaction.
///
/// REPLICA, each pass:
/// 1. Tasks that stopped without the scheduler asking count as failures of their deployment and
///    push the next launch back (`serviceRestartDelay`, 5 s, doubling to 5 min; reset at steady
///    state). Tasks whose
///    health check says UNHEALTHY (after the grace period) are stopped and replaced.
/// 2. "Outdated" tasks are those of an older deployment or on a DRAINING instance; "current"
///    ones belong to the PRIMARY deployment on an ACTIVE instance.
/// 3. Launch up to `desired - current`, never beyond `maximumPercent` of desired in all
///    (tasks still stopping count).
/// 4. Stop outdated tasks (not-yet-healthy ones first, freely; healthy ones only while the
///    healthy count stays at or above `minimumHealthyPercent` of desired); stop current tasks
///    beyond desired.
/// 5. A deployment left with no task is dropped; the PRIMARY one is COMPLETED once it alone
///    runs the desired count, healthy; then the steady-state event.
/// DAEMON: one task per ACTIVE instance that meets the constraints; an instance's old task is
/// stopped before its new one starts (DAEMON's default minimum is 0 %); tasks on instances that
/// no longer qualify are stopped.
extension ControlPlane {
    static let schedulerStopCode = "ServiceSchedulerInitiated"

    func schedule(_ arn: String) async throws {
        guard var r = services[arn], r.service.status != "INACTIVE" else { return }
        let t = now()
        var started: [String] = []
        var stopped: [String] = []
        let hasHealthCheck = (taskDefinitions[r.service.taskDefinition ?? ""]?.containerDefinitions ?? []).contains { $0.healthCheck != nil }

        // 1. Failures and unhealthy tasks.
        for task in serviceTasks(r) where task.task.lastStatus == "STOPPED" && task.serviceFailureCounted != true {
            tasks[task.arn]!.serviceFailureCounted = true
            save(task: task.arn)
            let code = task.task.stopCode ?? ""
            guard code != Self.schedulerStopCode && code != "UserInitiated" else { continue }
            if let i = r.deployments.firstIndex(where: { $0.id == task.task.startedBy }) { r.deployments[i].failedTasks = (r.deployments[i].failedTasks ?? 0) + 1 }
            r.consecutiveFailures += 1
            r.nextLaunchAt = t + min(options.serviceRestartDelay * Double(1 << min(r.consecutiveFailures - 1, 10)), 300)
            r.steady = false
        }
        for task in live(r) where isUnhealthy(task, grace: Double(r.service.healthCheckGracePeriodSeconds ?? 0), now: t) {
            event(&r, "(service \(r.name)) (task \(taskID(task.arn))) failed container health checks.", at: t)
            stop(task: task.arn, reason: "Task failed container health checks", code: "TaskFailedHealthChecks")
            stopped.append(task.arn)
        }

        if r.isDaemon {
            try await daemonPass(&r, started: &started, stopped: &stopped, now: t)
        } else {
            try await replicaPass(&r, hasHealthCheck: hasHealthCheck, started: &started, stopped: &stopped, now: t)
        }

        if !started.isEmpty {
            event(&r, "(service \(r.name)) has started \(started.count) tasks: \(started.map { "(task \(taskID($0)))" }.joined(separator: " ")).", at: t)
        }
        if !stopped.isEmpty {
            event(&r, "(service \(r.name)) has stopped \(stopped.count) running tasks: \(stopped.map { "(task \(taskID($0)))" }.joined(separator: " ")).", at: t)
        }
        settleDeployments(&r, hasHealthCheck: hasHealthCheck, now: t)
        services[arn] = r
        save(service: arn)
    }

    // MARK: REPLICA

    private func replicaPass(_ r: inout ServiceRecord, hasHealthCheck: Bool, started: inout [String], stopped: inout [String], now t: Double) async throws {
        let desired = r.service.desiredCount ?? 0
        let primary = r.deployments.first?.id
        let maxPercent = r.service.deploymentConfiguration?.maximumPercent ?? 200
        let minPercent = r.service.deploymentConfiguration?.minimumHealthyPercent ?? 100
        let maxTotal = desired * maxPercent / 100
        let minHealthy = (desired * minPercent + 99) / 100

        var current = live(r).filter { $0.task.startedBy == primary && instanceStatus($0.instanceArn) == "ACTIVE" }
        var outdated = live(r).filter { !($0.task.startedBy == primary && instanceStatus($0.instanceArn) == "ACTIVE") }

        // 3. Launch within maximumPercent. A task told to stop still counts until it has
        // stopped: RUNNING tasks sampled at any moment never exceed maximumPercent.
        let stopping = serviceTasks(r).filter { $0.task.desiredStatus == "STOPPED" && $0.task.lastStatus != "STOPPED" }.count
        let room = min(desired - current.count, maxTotal - current.count - outdated.count - stopping)
        if room > 0, t >= r.nextLaunchAt, let deployment = r.deployments.first {
            for _ in 0..<room {
                guard let task = try await placeServiceTask(&r, deployment: deployment, now: t) else { break }
                started.append(task)
                current.append(tasks[task]!)
            }
        }

        // 4. Stop outdated tasks, keeping minimumHealthyPercent healthy.
        var healthy = (current + outdated).filter { isHealthy($0, hasHealthCheck: hasHealthCheck) }.count
        outdated.sort { a, b in
            let (ha, hb) = (isHealthy(a, hasHealthCheck: hasHealthCheck), isHealthy(b, hasHealthCheck: hasHealthCheck))
            return ha != hb ? !ha : a.arn < b.arn
        }
        for task in outdated {
            let isHealthyTask = isHealthy(task, hasHealthCheck: hasHealthCheck)
            if isHealthyTask {
                guard healthy - 1 >= minHealthy else { break }
                healthy -= 1
            }
            let draining = instanceStatus(task.instanceArn) != "ACTIVE"
            stop(task: task.arn, reason: draining ? "Container instance is draining" : "Deployment replaced this task", code: Self.schedulerStopCode)
            stopped.append(task.arn)
        }
        // Scale-in: the newest not-yet-running tasks go first.
        if current.count > desired {
            let extra = current.sorted { a, b in
                let (ra, rb) = (a.task.lastStatus == "RUNNING", b.task.lastStatus == "RUNNING")
                return ra != rb ? !ra : (a.task.createdAt ?? 0) > (b.task.createdAt ?? 0)
            }.prefix(current.count - desired)
            for task in extra {
                stop(task: task.arn, reason: "Scaling activity initiated by (deployment \(primary ?? ""))", code: Self.schedulerStopCode)
                stopped.append(task.arn)
            }
        }
    }

    // MARK: DAEMON

    private func daemonPass(_ r: inout ServiceRecord, started: inout [String], stopped: inout [String], now t: Double) async throws {
        guard let deployment = r.deployments.first, let definition = taskDefinitions[deployment.taskDefinition ?? ""] else { return }
        let policy = try Placement.Policy.parse(strategies: [], constraints: (definition.placementConstraints ?? []) + (r.service.placementConstraints ?? []))
        let draining = r.service.status != "ACTIVE"
        let eligible = draining ? [] : instances.values.filter { i in
            i.clusterArn == r.service.clusterArn && i.instance.status == "ACTIVE" && policy.memberOf.allSatisfy { $0.matches(facts(of: i.arn)) }
        }.map(\.arn).sorted()
        r.service.desiredCount = eligible.count
        r.deployments[0].desiredCount = eligible.count
        let tasksNow = live(r)
        for task in tasksNow where !eligible.contains(task.instanceArn) {
            stop(task: task.arn, reason: "Container instance no longer runs this daemon", code: Self.schedulerStopCode)
            stopped.append(task.arn)
        }
        for instance in eligible {
            let here = tasksNow.filter { $0.instanceArn == instance }
            if here.contains(where: { $0.task.startedBy == deployment.id }) { continue }
            for old in here {
                stop(task: old.arn, reason: "Deployment replaced this task", code: Self.schedulerStopCode)
                stopped.append(old.arn)
            }
            guard t >= r.nextLaunchAt else { continue }
            let demand = try Placement.demand(definition, overrides: nil)
            let candidate = Placement.Candidate(arn: instance, record: instances[instance]!, usage: usage(of: instance))
            if let reason = Placement.misfit(demand, on: candidate) {
                placementEvent(&r, "(service \(r.name)) was unable to place a task on (container-instance \(taskID(instance))): \(Self.explain(reason)).", at: t)
                continue
            }
            let task = try await launch(deployment.taskDefinition ?? "", on: instance, demand: demand, input: serviceInput(r, deployment))
            started.append(task.taskArn ?? "")
        }
    }

    // MARK: pieces

    /// Places one task of the deployment; nil (and a rate-limited event) when nothing fits.
    private func placeServiceTask(_ r: inout ServiceRecord, deployment: Deployment, now t: Double) async throws -> String? {
        guard let definition = taskDefinitions[deployment.taskDefinition ?? ""] else { return nil }
        let policy = try Placement.Policy.parse(strategies: (r.service.placementStrategy ?? []).map { json($0) },
                                                constraints: (definition.placementConstraints ?? []) + (r.service.placementConstraints ?? []))
        let demand = try Placement.demand(definition, overrides: nil)
        let pool = placementPool(cluster: r.service.clusterArn ?? "", group: r.group)
        guard !pool.isEmpty else {
            placementEvent(&r, "(service \(r.name)) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.", at: t)
            return nil
        }
        switch Placement.choose(demand, among: pool, policy: policy) {
        case .placed(let instance):
            let task = try await launch(deployment.taskDefinition ?? "", on: instance, demand: demand, input: serviceInput(r, deployment))
            return task.taskArn
        case .unplaceable(let failures):
            let closest = failures.first.map { "The closest matching (container-instance \(taskID($0.arn ?? ""))) \(Self.explain($0.reason ?? ""))." } ?? ""
            placementEvent(&r, "(service \(r.name)) was unable to place a task because no container instance met all of its requirements. \(closest)", at: t)
            return nil
        }
    }

    static func explain(_ reason: String) -> String {
        switch reason {
        case "RESOURCE:MEMORY": "has insufficient memory available"
        case "RESOURCE:CPU": "has insufficient CPU units available"
        case "RESOURCE:PORTS", "RESOURCE:PORTS_UDP": "is already using a port required by your task"
        case "AGENT": "has its agent disconnected"
        case "INACTIVE": "is not ACTIVE"
        default: "encountered error \"\(reason)\""
        }
    }

    private func serviceInput(_ r: ServiceRecord, _ deployment: Deployment) throws -> Input {
        try Input(.object(["group": .string(r.group), "startedBy": .string(deployment.id ?? "")]))
    }

    /// The service's tasks the scheduler still wants running.
    func live(_ r: ServiceRecord) -> [TaskRecord] {
        serviceTasks(r).filter { $0.task.desiredStatus != "STOPPED" && $0.task.lastStatus != "STOPPED" }
    }

    func instanceStatus(_ arn: String) -> String { instances[arn]?.instance.status ?? "INACTIVE" }

    /// RUNNING, and HEALTHY when the task definition has a health check (agents report it over TCS).
    func isHealthy(_ task: TaskRecord, hasHealthCheck: Bool) -> Bool {
        guard task.task.lastStatus == "RUNNING" else { return false }
        return !hasHealthCheck || task.task.healthStatus == "HEALTHY"
    }

    func isUnhealthy(_ task: TaskRecord, grace: Double, now t: Double) -> Bool {
        guard task.task.healthStatus == "UNHEALTHY", task.task.lastStatus == "RUNNING" else { return false }
        return t - (task.task.startedAt ?? 0) >= grace
    }

    /// Drops deployments with no task left, completes the PRIMARY one, marks the steady state,
    /// and retires a deleted service once its tasks are gone.
    private func settleDeployments(_ r: inout ServiceRecord, hasHealthCheck: Bool, now t: Double) {
        let tasksNow = live(r)
        // Tasks told to stop still belong to their deployment until the agent says STOPPED.
        let notStopped = serviceTasks(r).filter { $0.task.lastStatus != "STOPPED" }
        r.deployments.removeAll { d in d.status != "PRIMARY" && !notStopped.contains { $0.task.startedBy == d.id } }
        if r.service.status == "DRAINING" {
            if notStopped.isEmpty {
                r.service.status = "INACTIVE"
                event(&r, "(service \(r.name)) has been deleted.", at: t)
            }
            return
        }
        guard !r.deployments.isEmpty else { return }
        let desired = r.service.desiredCount ?? 0
        let primaryTasks = tasksNow.filter { $0.task.startedBy == r.deployments[0].id }
        let done = r.deployments.count == 1 && primaryTasks.count == desired
            && primaryTasks.allSatisfy { isHealthy($0, hasHealthCheck: hasHealthCheck) }
        if done {
            if r.deployments[0].rolloutState != "COMPLETED" {
                r.deployments[0].rolloutState = "COMPLETED"
                r.deployments[0].rolloutStateReason = "ECS deployment \(r.deployments[0].id ?? "") completed."
                r.deployments[0].updatedAt = t
                event(&r, "(service \(r.name)) (deployment \(r.deployments[0].id ?? "")) deployment completed.", at: t)
            }
            if !r.steady {
                r.steady = true
                r.consecutiveFailures = 0
                event(&r, "(service \(r.name)) has reached a steady state.", at: t)
            }
        } else {
            r.steady = false
        }
    }

    func event(_ r: inout ServiceRecord, _ message: String, at t: Double) {
        r.events.insert(ServiceEvent(id: Identifiers.uuid(), createdAt: t, message: message), at: 0)
        if r.events.count > ServiceRecord.eventLimit { r.events.removeLast(r.events.count - ServiceRecord.eventLimit) }
    }

    /// The same placement complaint at most once a minute, as ECS does.
    private func placementEvent(_ r: inout ServiceRecord, _ message: String, at t: Double) {
        guard message != r.lastPlacementMessage || t - r.lastPlacementEventAt >= 60 else { return }
        r.lastPlacementMessage = message
        r.lastPlacementEventAt = t
        event(&r, message, at: t)
    }

    func taskID(_ arn: String) -> String { String(arn.split(separator: "/").last ?? Substring(arn)) }
}
