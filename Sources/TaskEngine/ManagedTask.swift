import ECSModel
import Logging

/// One task's actor (engine.md §3.3): the only place its record changes. Everything that
/// happens to the task arrives as a message (desired status, Docker events, results of the
/// Docker calls it started, timers); after each, it plans a step, saves the record with the
/// state change it implies in one transaction, and then starts the step's Docker calls.
actor ManagedTask {
    enum Message: Sendable {
        case desired(TaskStatus)
        /// New execution role credentials from ACS (kept in memory only).
        case executionCredentials(IAMRoleCredentials)
        case event(RuntimeEvent)
        case admitted
        case admissionRefused(String)
        case finished(container: String, ActionResult)
        /// Inspect every container again (after a Docker reconnect or at start-up).
        case reinspect
        case inspected(container: String, RuntimeContainer?)
        case tick
        /// The steady-state re-inspection is due (engine.md §3.3: 5 min + up to 30 s).
        case steadyCheck
        case cleanupDue
    }

    enum ActionResult: Sendable {
        case pulled(ImagePuller.Outcome, digest: String?, startedAt: Double, stoppedAt: Double)
        case created(id: String, calledAt: ContinuousClock.Instant)
        case started(RuntimeContainer?, returnedAt: ContinuousClock.Instant)
        case stopped(RuntimeContainer?)
        /// The call failed; `stopTask` when the failure ends the whole task (pull under always/once).
        case failed(reason: String, stopTask: Bool)
        /// A stop failed while Docker did not answer: the container keeps its status and the
        /// stop is planned again.
        case retryStop(reason: String)
    }

    private(set) var record: TaskRecord
    let graph: DependencyGraph?
    let volumes: VolumePlan?
    let services: EngineServices
    let logger: Logger
    private var inFlight: [String: ContainerStatus] = [:]
    /// For secrets and environment files; never saved (after a restart ACS sends them again).
    var executionCredentials: IAMRoleCredentials?
    /// Where a launch's time goes (bench/launch reads the log line): the agent's own share is
    /// accept → first create call, plus last start returned → RUNNING saved.
    private var launch: (accepted: ContinuousClock.Instant?, firstCreateCall: ContinuousClock.Instant?, lastStartReturned: ContinuousClock.Instant?)
    private var tickScheduled = false
    private var steadyCheckScheduled = false
    /// The record as last saved.
    private var lastSaved: TaskRecord?
    /// Containers that exited and that their restart policy starts again.
    private var restartPending: Set<String> = []
    /// Containers seen running again after they stopped, to stop once more (a child task).
    private var restopPending: Set<String> = []
    private var admission: Task<Void, Never>?
    private var resourcesReleased = false
    private var cleanupScheduled = false
    private(set) var cleanedUp = false
    private let inbox: AsyncStream<Message>
    private let post: AsyncStream<Message>.Continuation

    init(record: TaskRecord, services: EngineServices, acceptedNow: Bool = false, executionCredentials: IAMRoleCredentials? = nil) {
        launch = (acceptedNow ? ContinuousClock.now : nil, nil, nil)
        self.executionCredentials = executionCredentials
        let saved = record
        var record = record
        var logger = services.logger
        logger[metadataKey: "taskArn"] = "\(record.arn)"
        self.logger = logger
        self.services = services
        // A task whose graph or volumes cannot work is stopped before anything is created.
        var problem: String?
        do { graph = try DependencyGraph(containers: record.task.containers ?? []) } catch {
            graph = nil
            problem = error.description
        }
        do {
            let suffix = record.volumeSuffix
            volumes = try VolumePlan(task: record.task, suffix: { suffix })
        } catch {
            volumes = nil
            problem = problem ?? "CannotCreateContainerError: \(error.description)"
        }
        if let problem, record.known < .stopped {
            record.desired = .stopped
            record.reason = record.reason ?? problem
            for i in record.containers.indices where record.containers[i].known < .running {
                record.containers[i].reason = record.containers[i].reason ?? problem
            }
        }
        // Records saved before endpoint IDs existed get theirs now (saved with the next step).
        var generator = SystemRandomNumberGenerator()
        for i in record.containers.indices where record.containers[i].endpointID == nil {
            record.containers[i].endpointID = EndpointID.random(using: &generator)
        }
        self.record = record
        services.board.publish(saved)
        // The record comes from the store (restored) or was saved by the accept just before:
        // the first step need not write it again unless it changed above.
        lastSaved = saved
        (inbox, post) = AsyncStream.makeStream(of: Message.self)
    }

    nonisolated func send(_ message: Message) { post.yield(message) }

    /// Runs the task until it is cleaned up (or the engine shuts down).
    func run() async {
        if !record.admitted && record.desired < .stopped && record.known < .stopped {
            let (arn, demand, queue, post) = (record.arn, ResourceDemand(task: record.task), services.admission, post)
            admission = Task {
                do {
                    try await queue.admit(arn, demand)
                    post.yield(.admitted)
                } catch is CancellationError {
                } catch {
                    post.yield(.admissionRefused("\(error)"))
                }
            }
        }
        if let shipping = services.logShipping {
            // Restored: output written while the agent was away is shipped from the saved cursor.
            for (i, c) in record.containers.enumerated() where c.known >= .running {
                if let id = c.dockerID, let acs = record.task.containers?[i] { shipping.follow(task: record.task, container: acs, dockerID: id) }
            }
        }
        await withDiscardingTaskGroup { group in
            await progress(&group)
            for await message in inbox {
                await handle(message, &group)
                if cleanedUp { break }
                await progress(&group)
            }
            group.cancelAll()
        }
        admission?.cancel()
    }

    // MARK: messages

    private func handle(_ message: Message, _ group: inout DiscardingTaskGroup) async {
        let now = services.now()
        switch message {
        case .executionCredentials(let credentials):
            executionCredentials = credentials
        case .desired(let status):
            guard let raised = TaskStatusRules.raise(record.desired, to: status) else { return }
            record.desired = raised
            if raised == .stopped { admission?.cancel() }
        case .admitted:
            record.admitted = true
        case .admissionRefused(let reason):
            record.desired = .stopped
            record.reason = record.reason ?? "ResourceInitializationError: \(reason)"
        case .finished(let name, let result):
            let target = inFlight.removeValue(forKey: name)
            apply(result, to: name, target: target, now: now)
            if case .started = result, let i = record.index(of: name), let acs = record.task.containers?[i], let id = record.containers[i].dockerID {
                services.logShipping?.follow(task: record.task, container: acs, dockerID: id)
                if let files = services.metadataFiles {
                    // Off the launch path: the container is RUNNING whether or not its file is READY yet.
                    let task = record.task
                    group.addTask { await files.started(task: task, container: acs, dockerID: id) }
                }
            }
        case .event(let event):
            if event.kind == .started, let shipping = services.logShipping,
               let i = record.containers.firstIndex(where: { $0.dockerID == event.containerID }), let acs = record.task.containers?[i] {
                // Started again by its restart policy (a start the engine made is already followed).
                shipping.follow(task: record.task, container: acs, dockerID: event.containerID)
            }
            apply(event, now: now)
        case .reinspect:
            for c in record.containers {
                guard let id = c.dockerID ?? (c.known < .created ? c.dockerName : nil) else { continue }
                let (runtime, name) = (services.runtime, c.name)
                group.addTask { [post] in
                    // Only an answer counts: "no such container" means gone, an error (dockerd
                    // still coming back) means ask again, for up to a minute.
                    for _ in 0..<60 {
                        do {
                            post.yield(.inspected(container: name, try await runtime.inspectContainer(id)))
                            return
                        } catch {
                            guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
                        }
                    }
                }
            }
        case .inspected(let name, let seen):
            reconcile(name, with: seen, now: now)
        case .tick:
            tickScheduled = false
        case .steadyCheck:
            steadyCheckScheduled = false
            await handle(.reinspect, &group)
        case .cleanupDue:
            await cleanUp()
        }
    }

    private func apply(_ result: ActionResult, to name: String, target: ContainerStatus?, now: Double) {
        guard let i = record.index(of: name) else { return }
        switch result {
        case .pulled(let outcome, let digest, let started, let stopped):
            record.pullStartedAt = min(record.pullStartedAt ?? started, started)
            record.pullStoppedAt = max(record.pullStoppedAt ?? stopped, stopped)
            record.containers[i].imageDigest = digest ?? record.containers[i].imageDigest
            if case .failedContinuing(let reason) = outcome { logger.notice("continuing without a fresh image", metadata: ["container": "\(name)", "reason": "\(reason)"]) }
            raise(i, to: .pulled)
        case .created(let id, let calledAt):
            launch.firstCreateCall = min(launch.firstCreateCall ?? calledAt, calledAt)
            record.containers[i].dockerID = id
            raise(i, to: .created)
        case .started(let seen, let returnedAt):
            launch.lastStartReturned = max(launch.lastStartReturned ?? returnedAt, returnedAt)
            raise(i, to: .running)
            if let seen { adopt(i, seen, now: now) }
            record.containers[i].startedAt = record.containers[i].startedAt ?? now
        case .stopped(let seen):
            if let seen { adopt(i, seen, now: now) }
            raise(i, to: .stopped)
        case .retryStop(let reason):
            logger.warning("stop failed and Docker does not answer; trying again", metadata: ["container": "\(name)", "reason": "\(reason)"])
        case .failed(let reason, let stopTask):
            logger.warning("container step failed", metadata: ["container": "\(name)", "step": "\(target?.wire ?? "")", "reason": "\(reason)"])
            record.containers[i].reason = record.containers[i].reason ?? reason
            if target == .stopped {
                // Docker answers but would not stop it: take it as stopped (engine.md §3.4).
                raise(i, to: .stopped)
            } else {
                record.containers[i].desired = .stopped
            }
            if stopTask {
                record.desired = .stopped
                record.reason = record.reason ?? reason
            }
        }
    }

    private func apply(_ event: RuntimeEvent, now: Double) {
        guard let i = record.containers.firstIndex(where: { $0.dockerID == event.containerID })
            ?? record.index(of: event.labels["com.amazonaws.ecs.container-name"] ?? "") else { return }
        if record.containers[i].dockerID == nil { record.containers[i].dockerID = event.containerID }
        let c = record.containers[i]
        switch event.kind {
        case .created:
            raise(i, to: .created)
        case .started:
            if c.known == .stopped {
                // Came back after it stopped: stop it again, once per container.
                if !c.restoppedOnce {
                    record.containers[i].restoppedOnce = true
                    logger.notice("container started again after it stopped; stopping it once more", metadata: ["container": "\(c.name)"])
                    restopPending.insert(c.name)
                }
                return
            }
            // Docker announces the start before its API call returns: the call's result (with
            // the inspected port bindings) makes the container RUNNING, not the event.
            if inFlight[c.name] == .running { return }
            raise(i, to: .running)
            record.containers[i].startedAt = c.startedAt ?? now
        case .died(let code):
            if c.known < .stopped { record.containers[i].exitCode = code ?? c.exitCode }
            if c.known == .running, restarts(i, exitCode: code, now: now) {
                logger.notice("container exited; its restart policy starts it again", metadata: ["container": "\(c.name)", "exitCode": "\(code.map(String.init) ?? "")"])
                restartPending.insert(c.name)
                return
            }
            raise(i, to: .stopped)
        case .healthy:
            setHealth(i, .healthy, now: now)
        case .unhealthy:
            setHealth(i, .unhealthy, now: now)
        case .destroyed:
            if c.known < .stopped {
                record.containers[i].reason = c.reason ?? "ContainerVanishedError: the container was removed outside the agent"
                raise(i, to: .stopped)
            }
        }
    }

    /// Docker's view after an inspect: raise the known status to it, never lower; a container
    /// that is gone is STOPPED (unless it was never created).
    private func reconcile(_ name: String, with seen: RuntimeContainer?, now: Double) {
        guard let i = record.index(of: name), inFlight[name] == nil else { return }
        guard let seen else {
            if record.containers[i].dockerID != nil && record.containers[i].known < .stopped {
                record.containers[i].reason = record.containers[i].reason ?? "ContainerVanishedError: No container matching saved ID found"
                raise(i, to: .stopped)
            }
            return
        }
        record.containers[i].dockerID = seen.id
        adopt(i, seen, now: now)
        switch seen.state {
        case .running, .paused, .restarting: raise(i, to: .running)
        case .created: raise(i, to: .created)
        case .exited, .dead, .removing: raise(i, to: seen.startedAt == nil ? .created : .stopped)
        }
        if seen.state == .created && record.containers[i].desired == .stopped { raise(i, to: .stopped) }
    }

    /// The container restart policy (engine.md §3.4): enabled, the task and the container still
    /// wanted RUNNING, the exit code not ignored, and the last (re)start at least
    /// `restartAttemptPeriod` (default 300 s) ago.
    private func restarts(_ i: Int, exitCode: Int?, now: Double) -> Bool {
        guard let policy = record.task.containers?[i].restartPolicy, policy.enabled == true,
              record.desired == .running, record.containers[i].desired == .running else { return false }
        if let code = exitCode, (policy.ignoredExitCodes ?? []).contains(code) { return false }
        let since = record.containers[i].lastRestartAt ?? record.containers[i].startedAt ?? 0
        return now - since >= Double(policy.restartAttemptPeriod ?? 300)
    }

    private func adopt(_ i: Int, _ seen: RuntimeContainer, now: Double) {
        if seen.state != .running && seen.state != .created {
            record.containers[i].exitCode = seen.exitCode ?? record.containers[i].exitCode
            if seen.oomKilled { record.containers[i].reason = record.containers[i].reason ?? "OutOfMemoryError: Container killed due to memory usage" }
        }
        if seen.health != .unknown { setHealth(i, seen.health, now: now) }
        if let started = seen.startedAt { record.containers[i].startedAt = started }
        let mappings = record.task.containers?[i].portMappings ?? []
        if !seen.ports.isEmpty, let bindings = try? NetworkBindings.from(seen.ports, mappings: mappings) { record.containers[i].bindings = bindings }
    }

    /// The health status and, when it changed, since when (task metadata's `statusSince`).
    private func setHealth(_ i: Int, _ health: ContainerState.Health, now: Double) {
        if record.containers[i].health != health { record.containers[i].healthSince = now }
        record.containers[i].health = health
    }

    private func raise(_ i: Int, to status: ContainerStatus) {
        if status > record.containers[i].known { record.containers[i].known = status }
    }

    // MARK: progress

    private func progress(_ group: inout DiscardingTaskGroup) async {
        if cleanedUp { return }
        let now = services.now()
        var step = TaskStep()
        if let graph, record.admitted || record.desired == .stopped || record.known == .stopped {
            step = TaskPlanner.step(&record, graph: graph, inFlight: inFlight, now: now)
        } else if graph == nil {
            // An invalid graph: nothing may start; every container is stopped without a Docker call.
            for i in record.containers.indices where record.containers[i].known < .stopped && inFlight[record.containers[i].name] == nil {
                record.containers[i].desired = .stopped
                record.containers[i].known = .stopped
            }
            if record.containers.allSatisfy({ $0.known == .stopped }) && record.known < .stopped {
                record.known = .stopped
                record.knownAt = now
                record.executionStoppedAt = now
            }
        }
        // Ports are chosen before the record is saved, so the saved record names them.
        var actions: [PlannedAction] = []
        for name in restartPending where inFlight[name] == nil {
            restartPending.remove(name)
            guard let i = record.index(of: name), record.containers[i].known == .running, record.desired == .running else { continue }
            record.containers[i].restartCount = (record.containers[i].restartCount ?? 0) + 1
            record.containers[i].lastRestartAt = now
            actions.append(PlannedAction(name, .start))
        }
        for name in restopPending {
            guard let i = record.index(of: name), let id = record.containers[i].dockerID else { continue }
            let (runtime, timeout) = (services.runtime, stopTimeout(of: name))
            group.addTask { try? await runtime.stopContainer(id, timeout: timeout) }
        }
        restopPending.removeAll()
        // A preparation that fails changes what the task wants; the step is planned again at once.
        var replan = false
        if step.actions.contains(where: { $0.action == .create }), let cgroups = services.cgroups, record.cgroupParent == nil {
            do {
                let limits = try TaskCgroupLimits(task: record.task, cpuPeriod: services.settings.cgroupCPUPeriod, pidsLimit: services.settings.taskPidsLimit)
                record.cgroupParent = try cgroups.create(taskID: TaskCgroupLimits.taskID(record.arn), limits: limits)
            } catch {
                record.desired = .stopped
                record.reason = record.reason ?? ((error as? CreateRequestError)?.reason ?? "ResourceInitializationError: failed to create the task cgroup: \(error)")
                step.actions.removeAll()
                replan = true
            }
        }
        for action in step.actions {
            if action.action == .create, let i = record.index(of: action.container), record.containers[i].ports.isEmpty,
               let acs = record.task.containers?[i], !(acs.portMappings ?? []).isEmpty {
                do {
                    record.containers[i].ports = try await services.ports.assign(task: record.arn, networkMode: record.task.networkMode, container: acs)
                } catch {
                    record.containers[i].desired = .stopped
                    record.containers[i].reason = "CannotCreateContainerError: \(error.description)"
                    replan = true
                    continue
                }
            }
            actions.append(action)
        }
        if replan { post.yield(.tick) }
        // The change marks the record as reported; that mark holds only once both are saved.
        var reported = record
        let change = TaskPlanner.stateChange(&reported, cluster: services.settings.cluster)
        do {
            // A step that only records what a crash would redo need not reach the disk (about a
            // millisecond of a launch's own time per save).
            if change != nil || lastSaved.map({ !Self.differsOnlyByRedoable(reported, from: $0) }) ?? true {
                try await services.store.save(reported, changes: change.map { [$0] } ?? [])
                lastSaved = reported
            }
            record = reported
            // Saved, or differing from the saved record only by pull times.
            services.board.publish(record)
        } catch {
            // Nothing is acted on that is not saved; try again in a second.
            logger.error("task record not saved; holding its next steps", metadata: ["error": "\(error)"])
            if !tickScheduled {
                tickScheduled = true
                group.addTask { [post] in
                    try? await Task.sleep(for: .seconds(1))
                    post.yield(.tick)
                }
            }
            return
        }
        if let change {
            var metadata: Logger.Metadata = ["status": "\(change.status ?? "")",
                                             "containers": "\(change.containers?.map { "\($0.containerName ?? "")=\($0.status ?? "")" }.joined(separator: ",") ?? "")"]
            if change.status == "RUNNING", let accepted = launch.accepted, let create = launch.firstCreateCall, let started = launch.lastStartReturned {
                let now = ContinuousClock.now
                metadata["launchMs"] = "\(Self.milliseconds(now - accepted))"
                metadata["agentMs"] = "\(Self.milliseconds((create - accepted) + (now - started)))"
                launch.accepted = nil
            }
            logger.info("task state", metadata: metadata)
        }
        for action in actions {
            inFlight[action.container] = action.action.target
            let input = actionInput(action)
            group.addTask { [post] in
                let result = await Self.perform(input)
                post.yield(.finished(container: action.container, result))
            }
        }
        if step.needsTimer && !tickScheduled && actions.isEmpty {
            tickScheduled = true
            group.addTask { [post] in
                try? await Task.sleep(for: .seconds(1))
                post.yield(.tick)
            }
        }
        if record.known == .running && record.desired == .running && !steadyCheckScheduled {
            // Docker may lose an event; a periodic look at every container catches what it missed.
            steadyCheckScheduled = true
            let poll = services.settings.steadyStatePoll
            let wait = poll + .milliseconds(Int.random(in: 0...Int(min(30_000, poll.seconds * 100))))
            group.addTask { [post] in
                guard (try? await Task.sleep(for: wait)) != nil else { return }
                post.yield(.steadyCheck)
            }
        }
        if record.known == .stopped && inFlight.isEmpty {
            await releaseResources()
            if !cleanupScheduled {
                cleanupScheduled = true
                let wait = max(0, record.knownAt + services.settings.cleanupWait.seconds - now)
                let (store, arn, check) = (services.store, record.arn, services.settings.deliveryCheck)
                group.addTask { [post] in
                    try? await Task.sleep(for: .seconds(wait))
                    // Cleanup only once the control plane has the STOPPED change (engine.md §3.6).
                    while !Task.isCancelled, !(await store.allDelivered(taskArn: arn)) {
                        try? await Task.sleep(for: check)
                    }
                    if !Task.isCancelled { post.yield(.cleanupDue) }
                }
            }
        }
    }

    private func releaseResources() async {
        guard !resourcesReleased else { return }
        resourcesReleased = true
        admission?.cancel()
        await services.admission.release(record.arn)
        await services.ports.release(task: record.arn)
    }

    /// Removes the task's containers and task-scoped volumes, then its record.
    private func cleanUp() async {
        logger.info("cleaning up task")
        for c in record.containers {
            guard let id = c.dockerID ?? (c.known >= .created ? c.dockerName : nil) else { continue }
            // Its output lives only in Docker's log until shipped.
            if let shipping = services.logShipping, let docker = c.dockerID { await shipping.finished(dockerID: docker) }
            do { try await services.runtime.removeContainer(id, force: false) } catch {
                logger.warning("container not removed at cleanup", metadata: ["container": "\(c.name)", "error": "\(error)"])
            }
        }
        services.metadataFiles?.remove(task: record.task)
        // Whether or not the record names it: a crash may have come between making it and a save.
        services.cgroups?.remove(taskID: TaskCgroupLimits.taskID(record.arn))
        for image in Set((record.task.containers ?? []).compactMap(\.image)) { await services.images?.released(image, now: services.now()) }
        for name in volumes?.removedAtCleanup ?? [] {
            do { try await services.runtime.removeVolume(name) } catch {
                logger.warning("task volume not removed at cleanup", metadata: ["volume": "\(name)", "error": "\(error)"])
            }
        }
        do {
            try await services.store.delete(taskArn: record.arn)
            services.board.remove(arn: record.arn)
            cleanedUp = true
        } catch {
            logger.error("task record not deleted; cleanup will run again", metadata: ["error": "\(error)"])
            cleanupScheduled = false
        }
    }

    /// Whether `now` is `saved` with nothing more than what a crash would make again: the
    /// admission, containers moved from NONE to PULLED (and the task to its PULLED), the pull
    /// times, and the task cgroup (its path follows from the task ID, it is made idempotently, and
    /// cleanup removes it whenever task cgroups are on). After a crash such a task is admitted
    /// and pulls again, and a container it created meanwhile is found by its saved Docker name.
    static func differsOnlyByRedoable(_ now: TaskRecord, from saved: TaskRecord) -> Bool {
        // The task's own PULLED (NONE on the wire) is an observation like its containers' one.
        let taskPulled = now.known == saved.known || (saved.known == .none && now.known <= .pulled)
        guard taskPulled, now.desired == saved.desired, now.sent == saved.sent,
              now.reason == saved.reason, now.cgroupParent == saved.cgroupParent || saved.cgroupParent == nil, now.executionStoppedAt == saved.executionStoppedAt,
              now.containers.count == saved.containers.count else { return false }
        for (a, b) in zip(now.containers, saved.containers) {
            var pulled = b
            if b.known == .none && a.known == .pulled { pulled.known = .pulled }
            guard a == pulled else { return false }
        }
        return true
    }

    static func milliseconds(_ d: Duration) -> String {
        let ms = d.seconds * 1000
        return String(Double(Int(ms * 1000)) / 1000)
    }

    func stopTimeout(of name: String) -> Duration {
        guard let i = record.index(of: name), let t = record.task.containers?[i].stopTimeout, t > 0 else { return services.settings.stopTimeout }
        return .seconds(t)
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
