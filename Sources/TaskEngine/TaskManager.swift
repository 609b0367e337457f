public import ECSModel
import Logging

/// The engine's front (engine.md §2): owns one `ManagedTask` actor per task, routes Docker
/// events to them, restores saved tasks at start-up, and sweeps orphans. It holds no lock over
/// the tasks: each task's actor changes only its own record.
public actor TaskManager {
    let services: EngineServices
    private var tasks: [String: ManagedTask] = [:]
    private let launches: AsyncStream<ManagedTask>
    private let launch: AsyncStream<ManagedTask>.Continuation
    private var orphanSeen: [String: Double] = [:]
    private var generator = SystemRandomNumberGenerator()
    /// Restoring saved tasks happens once, before the first task is accepted (ACS may deliver
    /// before `run` gets going), with the event stream already open.
    private var restoring: Task<AsyncThrowingStream<RuntimeEvent, any Error>, any Error>?

    public init(services: EngineServices) {
        self.services = services
        (launches, launch) = AsyncStream.makeStream(of: ManagedTask.self)
    }

    /// Runs until cancelled: saved tasks first (re-adopted and re-inspected, the event stream
    /// already open so nothing that happens meanwhile is missed), then every task accepted.
    public func run() async throws {
        let events = try await restored()
        await withDiscardingTaskGroup { group in
            group.addTask {
                do {
                    for try await event in events { await self.route(event) }
                } catch {
                    self.services.logger.error("docker event stream ended", metadata: ["error": "\(error)"])
                }
            }
            group.addTask { await self.sweepOrphans() }
            if let images = self.services.images {
                group.addTask { await self.cleanImages(images) }
            }
            for await task in launches {
                group.addTask {
                    await task.run()
                    await self.finished(task)
                }
            }
        }
    }

    // MARK: what ACS asks

    /// A new ARN is saved and started; a known one has its desired status raised. Returns once
    /// the new task's record is durable (the payload is acknowledged after this).
    /// New role credentials for a known task (an IAMRoleCredentialsMessage).
    public func executionCredentialsChanged(taskArn: String, _ credentials: IAMRoleCredentials) {
        tasks[taskArn]?.send(.executionCredentials(credentials))
    }

    public func accept(_ task: ACSTask) async throws {
        guard let arn = task.arn else { return }
        _ = try await restored()
        let desired = TaskStatus(desired: task.desiredStatus ?? "RUNNING") ?? .running
        if let existing = tasks[arn] {
            if let credentials = task.executionRoleCredentials { existing.send(.executionCredentials(credentials)) }
            existing.send(.desired(desired))
            return
        }
        let now = services.now()
        let containers = (task.containers ?? []).map { c in
            var record = ContainerRecord(name: c.name ?? "",
                                         dockerName: CreateRequest.dockerName(family: task.family ?? "", revision: task.version ?? "", container: c.name ?? "", using: &generator),
                                         essential: c.essential ?? true)
            record.endpointID = EndpointID.random(using: &generator)
            return record
        }
        let suffix = (0..<20).map { _ in String(UInt8.random(in: 0..<16, using: &generator), radix: 16) }.joined()
        // Credentials stay in memory; the record goes to disk with their IDs only.
        var record = TaskRecord(task: task.withoutCredentials, containers: containers, volumeSuffix: suffix, now: now)
        record.taskRoleCredentialsID = task.roleCredentials?.credentialsId
        record.executionRoleCredentialsID = task.executionRoleCredentials?.credentialsId
        try await services.store.save(record, changes: [])
        services.logger.info("task accepted", metadata: ["taskArn": "\(arn)", "desiredStatus": "\(desired.wire)", "containers": "\(containers.count)"])
        start(ManagedTask(record: record, services: services, acceptedNow: true, executionCredentials: task.executionRoleCredentials), arn: arn)
    }

    public func stop(taskArns: [String]) {
        for arn in taskArns { tasks[arn]?.send(.desired(.stopped)) }
    }

    public func knows(taskArn: String) -> Bool { tasks[taskArn] != nil }

    public func desiredRunningTaskArns() async -> [String] {
        var out: [String] = []
        for (arn, task) in tasks where await task.record.desired == .running { out.append(arn) }
        return out.sorted()
    }

    /// Every task's record as it is now (for telemetry and the endpoints).
    public func records() async -> [TaskRecord] {
        var out: [TaskRecord] = []
        for task in tasks.values { out.append(await task.record) }
        return out.sorted { $0.arn < $1.arn }
    }

    // MARK: inside

    private func start(_ task: ManagedTask, arn: String) {
        tasks[arn] = task
        launch.yield(task)
    }

    private func finished(_ task: ManagedTask) async {
        let arn = await task.record.arn
        if await task.cleanedUp, tasks[arn] === task { tasks[arn] = nil }
    }

    private func restored() async throws -> AsyncThrowingStream<RuntimeEvent, any Error> {
        if let restoring { return try await restoring.value }
        let task = Task {
            let events = services.runtime.events(onResume: { [weak self] in
                guard let self else { return }
                Task { await self.reinspectAll() }
            })
            try await restore()
            return events
        }
        restoring = task
        return try await task.value
    }

    /// Saved tasks come back (engine.md §13.3): those with containers keep their resources
    /// without queueing; every container is inspected before anything else is decided.
    private func restore() async throws {
        let saved = try await services.store.loadAll()
        for var record in saved where tasks[record.arn] == nil {
            if record.known < .stopped && record.containers.contains(where: { $0.dockerID != nil || $0.known >= .created }) {
                record.admitted = true
            }
            if record.admitted && record.known < .stopped {
                await services.admission.adopt(record.arn, ResourceDemand(task: record.task))
                await services.ports.hold(task: record.arn, record.containers.flatMap(\.ports))
            }
            let task = ManagedTask(record: record, services: services)
            task.send(.reinspect)
            start(task, arn: record.arn)
        }
        if !saved.isEmpty { services.logger.notice("saved tasks restored", metadata: ["count": "\(saved.count)"]) }
        services.board.markRestored()
    }

    private func route(_ event: RuntimeEvent) {
        guard let arn = event.labels["com.amazonaws.ecs.task-arn"], let task = tasks[arn] else { return }
        task.send(.event(event))
    }

    private func reinspectAll() {
        services.logger.notice("docker event stream resumed; inspecting every managed container")
        for task in tasks.values { task.send(.reinspect) }
    }

    /// Image cleanup every interval (the first one interval after start), sparing every image a
    /// container of a known task uses.
    private func cleanImages(_ cleaner: ImageCleaner) async {
        while (try? await Task.sleep(for: cleaner.settings.interval)) != nil {
            var inUse: Set<String> = []
            for task in tasks.values { for c in await task.record.task.containers ?? [] { if let image = c.image { inUse.insert(image) } } }
            await cleaner.cycle(inUse: inUse, now: services.now())
        }
    }

    /// Removes containers that carry this instance's label but belong to no task, once they
    /// have been seen that way for the grace period (a create racing a restore is not an orphan).
    private func sweepOrphans() async {
        let grace = services.settings.orphanGrace
        while !Task.isCancelled {
            try? await Task.sleep(for: min(grace, .seconds(30)))
            if Task.isCancelled { return }
            guard let found = try? await services.runtime.listContainers(label: EngineSettings.instanceLabelKey, value: services.settings.instanceLabel) else { continue }
            let now = services.now()
            var owned: Set<String> = []
            for task in tasks.values { for c in await task.record.containers { owned.insert(c.dockerName) } }
            var stillOrphaned: [String: Double] = [:]
            for c in found where !owned.contains(c.name) {
                let first = orphanSeen[c.id] ?? now
                stillOrphaned[c.id] = first
                if now - first >= grace.seconds {
                    services.logger.warning("removing an orphaned container", metadata: ["container": "\(c.name)", "taskArn": "\(c.labels["com.amazonaws.ecs.task-arn"] ?? "")"])
                    try? await services.runtime.removeContainer(c.id, force: true)
                    stillOrphaned[c.id] = nil
                }
            }
            orphanSeen = stillOrphaned
        }
    }
}
