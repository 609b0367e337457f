public import ECSModel

/// A Docker call the task's actor should make for one container.
public enum ContainerAction: String, Sendable, Equatable {
    case pull, create, start, stop

    /// The status the container reaches when the call succeeds.
    public var target: ContainerStatus {
        switch self {
        case .pull: .pulled
        case .create: .created
        case .start: .running
        case .stop: .stopped
        }
    }
}

public struct PlannedAction: Sendable, Equatable {
    public var container: String
    public var action: ContainerAction
    public init(_ container: String, _ action: ContainerAction) {
        self.container = container
        self.action = action
    }
}

/// One step of a task (engine.md §3.4): decisions that need no Docker call are applied to the
/// record; the calls to make are returned.
public struct TaskStep: Sendable, Equatable {
    public var actions: [PlannedAction] = []
    /// Container → what it waits for (dependencies, or its dependents before a stop).
    public var blocked: [String: String] = [:]
    /// Some wait can only end by the clock (a dependency's startTimeout).
    public var needsTimer = false
}

/// The pure part of the task lifecycle. The actor applies Docker results to the record, calls
/// `step`, saves, reports `stateChange`, and runs the actions.
public enum TaskPlanner {
    public static func step(_ r: inout TaskRecord, graph: DependencyGraph, inFlight: [String: ContainerStatus], now: Double) -> TaskStep {
        // Decisions feed each other (an unmeetable dependency stops an essential container, which
        // stops the task, which stops the rest); repeat until a pass changes nothing.
        for _ in 0..<(2 * r.containers.count + 4) {
            var changed = false
            let result = pass(&r, graph: graph, inFlight: inFlight, now: now, changed: &changed)
            if !changed { return result }
        }
        var ignored = false
        return pass(&r, graph: graph, inFlight: inFlight, now: now, changed: &ignored)
    }

    private static func pass(_ r: inout TaskRecord, graph: DependencyGraph, inFlight: [String: ContainerStatus], now: Double,
                             changed: inout Bool) -> TaskStep {
        var step = TaskStep()
                let states = r.states(inFlight: inFlight)
        if r.desired < .stopped && TaskStatusRules.essentialStopped(Array(states.values)) {
            r.desired = .stopped
            changed = true
        }
        if r.desired == .stopped {
            for i in r.containers.indices where r.containers[i].desired != .stopped {
                r.containers[i].desired = .stopped
                changed = true
            }
        }
        for i in r.containers.indices {
            let c = r.containers[i]
            if inFlight[c.name] != nil { continue }
            if c.desired == .stopped {
                if c.known == .stopped { continue }
                if c.known < .running {
                    // Never started: nothing to stop in Docker (the container, if created, goes at cleanup).
                    r.containers[i].known = .stopped
                    changed = true
                } else if DependencyRules.mayStop(c.name, graph: graph, containers: states) {
                    step.actions.append(PlannedAction(c.name, .stop))
                } else {
                    step.blocked[c.name] = "dependents still running"
                }
                continue
            }
            if c.known >= c.desired { continue }
            let target: ContainerStatus = c.known < .pulled ? .pulled : c.known.next(steady: .running)
            guard let action = action(for: target), let me = states[c.name] else { continue }
            if target >= .created {
                var waiting: [String] = []
                var unsatisfiable: String?
                for dependency in graph.edges[c.name] ?? [] {
                    switch DependencyRules.resolve(dependency, for: me, target: target, in: states, now: now) {
                    case .resolved: continue
                    case .waiting(let what):
                        waiting.append(what)
                        if let dep = states[dependency.containerName], dep.startTimeout > 0 { step.needsTimer = true }
                    case .unsatisfiable(let reason):
                        unsatisfiable = unsatisfiable ?? reason
                    }
                }
                if let reason = unsatisfiable {
                    r.containers[i].desired = .stopped
                    r.containers[i].exitCode = DependencyRules.unsatisfiableExitCode
                    r.containers[i].reason = reason
                    changed = true
                    continue
                }
                if !waiting.isEmpty {
                    step.blocked[c.name] = waiting.joined(separator: ", ")
                    continue
                }
            }
            step.actions.append(PlannedAction(c.name, action))
        }
        let known = TaskStatusRules.known(current: r.known, containers: Array(r.states(inFlight: inFlight).values))
        if known != r.known {
            r.known = known
            r.knownAt = now
            if known == .stopped { r.executionStoppedAt = r.executionStoppedAt ?? now }
            changed = true
        }
        return step
    }

    static func action(for target: ContainerStatus) -> ContainerAction? {
        switch target {
        case .pulled: .pull
        case .created: .create
        case .running: .start
        case .stopped: .stop
        default: nil
        }
    }

    /// The SubmitTaskStateChange that reports what the control plane has not heard yet, and
    /// the record updated as if it was sent (the caller saves both in one transaction).
    /// Container changes ride with a task change; on their own only once the task was reported
    /// RUNNING (protocol.md §2.5), and then at once instead of on a 10–30 s ticker.
    /// A task whose images have digests is first reported PENDING with them once every image is
    /// there (its MANIFEST_PULLED, protocol.md §2.5); each later container change repeats its digest.
    public static func stateChange(_ r: inout TaskRecord, cluster: String) -> TaskStateChangeRequest? {
        let digestResolved = r.containers.contains { $0.imageDigest != nil }
        let taskStatus = r.known.reported(digestResolved: digestResolved)
        let taskChanged = taskStatus != nil && r.known > r.sent
        let pendingNow = taskChanged && r.known == .manifestPulled
        var entries: [ContainerStateChangeEntry] = []
        var sentAfter = r.containers.map(\.sent)
        for (i, c) in r.containers.enumerated() {
            let reportable: ContainerStatus? = switch c.known {
            case .stopped: .stopped
            case .running: .running
            // PENDING only rides with the task's PENDING, for a container whose digest is known.
            case .pulled, .created: pendingNow && c.imageDigest != nil ? .manifestPulled : nil
            default: nil
            }
            guard let status = reportable, status > c.sent else { continue }
            // A container that stopped without ever running is reported once, as STOPPED.
            entries.append(ContainerStateChangeEntry(
                containerName: c.name, runtimeId: c.dockerID, status: status.reported(steady: .running, digestResolved: true),
                exitCode: status == .stopped ? c.exitCode : nil, reason: c.reason, imageDigest: c.imageDigest,
                networkBindings: c.bindings.isEmpty ? nil : c.bindings))
            sentAfter[i] = status
        }
        guard taskChanged || (r.sent == .running && !entries.isEmpty) else { return nil }
        let request = TaskStateChangeRequest(
            cluster: cluster, task: r.arn, status: taskChanged ? taskStatus : r.sent.wire,
            reason: r.known == .stopped ? (r.reason ?? "") : "", containers: entries.isEmpty ? nil : entries,
            pullStartedAt: r.pullStartedAt, pullStoppedAt: r.pullStoppedAt,
            executionStoppedAt: r.known == .stopped ? r.executionStoppedAt : nil)
        if taskChanged { r.sent = r.known }
        for i in r.containers.indices { r.containers[i].sent = sentAfter[i] }
        return request
    }
}
