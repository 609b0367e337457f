public import ECSModel

/// One container of a task as the engine keeps it (persisted with its task).
public struct ContainerRecord: Codable, Sendable, Equatable {
    public var name: String
    /// Chosen before the create call, so a container created just before a crash is found by name.
    public var dockerName: String
    public var dockerID: String?
    public var known: ContainerStatus
    public var desired: ContainerStatus
    /// The last status handed to the control plane (NONE, MANIFEST_PULLED as PENDING, RUNNING or STOPPED).
    public var sent: ContainerStatus
    public var essential: Bool
    public var exitCode: Int?
    public var reason: String?
    public var health: ContainerState.Health
    /// When `health` last changed (seconds since the epoch).
    public var healthSince: Double?
    public var startedAt: Double?
    /// Host ports the agent chose for this container (held until the container is removed).
    public var ports: [PortBinding]
    /// What Docker reports, in the control plane's shape.
    public var bindings: [NetworkBinding]
    /// A container seen running again after STOPPED is stopped once per task, then left alone.
    public var restoppedOnce: Bool
    /// Restarts made by its restart policy, and when the last one was.
    public var restartCount: Int?
    public var lastRestartAt: Double?
    /// The container's ID in the metadata URIs (`/v3/<id>`, `/v4/<id>`, `/api/<id>`): a random
    /// lowercase UUID chosen at accept and kept for the container's life (endpoints.md §3.3).
    public var endpointID: String?
    /// The image digest the container runs (engine.md §6.1), when its image came from a
    /// registry; reported with every change of the container.
    public var imageDigest: String?

    public init(name: String, dockerName: String, essential: Bool) {
        self.name = name
        self.dockerName = dockerName
        self.essential = essential
        known = .none
        desired = .running
        sent = .none
        health = .unknown
        ports = []
        bindings = []
        restoppedOnce = false
    }
}

/// A task as the engine keeps it: the ACS task (without secrets) and everything decided or
/// observed since. Saved before each decision is acted on or reported.
public struct TaskRecord: Codable, Sendable {
    public var task: ACSTask
    public var known: TaskStatus
    public var desired: TaskStatus
    public var sent: TaskStatus
    /// When `known` last changed (seconds since the epoch); cleanup counts from STOPPED.
    public var knownAt: Double
    /// Holds its host resources (admitted, or re-adopted after a restart).
    public var admitted: Bool
    /// Makes the Docker names of task-scoped volumes unique; fixed at the first save.
    public var volumeSuffix: String
    public var containers: [ContainerRecord]
    public var pullStartedAt: Double?
    public var pullStoppedAt: Double?
    public var executionStoppedAt: Double?
    /// Why the task stopped, when the engine stopped it.
    public var reason: String?
    /// The task cgroup its containers run under (ECS_ENABLE_TASK_CPU_MEM_LIMIT), once made.
    public var cgroupParent: String?
    /// The IDs (not the secrets) of the task role's and the execution role's credentials: the
    /// containers' credentials URI, and after a restart the IDs the endpoint answers 503 for
    /// until ACS sends the credentials again.
    public var taskRoleCredentialsID: String?
    public var executionRoleCredentialsID: String?

    public var arn: String { task.arn ?? "" }

    public init(task: ACSTask, containers: [ContainerRecord], volumeSuffix: String, now: Double) {
        self.task = task
        self.containers = containers
        self.volumeSuffix = volumeSuffix
        known = .none
        desired = TaskStatus(desired: task.desiredStatus ?? "RUNNING") ?? .running
        sent = .none
        knownAt = now
        admitted = false
    }

    public func index(of name: String) -> Int? { containers.firstIndex { $0.name == name } }

    public func container(dockerID: String) -> ContainerRecord? { containers.first { $0.dockerID == dockerID } }

    /// The task's containers as the dependency rules see them; `inFlight` marks Docker calls under way.
    public func states(inFlight: [String: ContainerStatus] = [:]) -> [String: ContainerState] {
        var out: [String: ContainerState] = [:]
        for (c, acs) in zip(containers, task.containers ?? []) {
            out[c.name] = ContainerState(name: c.name, essential: c.essential, steady: .running, known: c.known, desired: c.desired,
                                         exitCode: c.exitCode, health: c.health, hasHealthCheck: Self.hasHealthCheck(acs),
                                         startedAt: c.startedAt, startTimeout: acs.startTimeout ?? 0, applying: inFlight[c.name])
        }
        return out
    }

    public static func hasHealthCheck(_ c: ACSContainer) -> Bool {
        c.healthCheckType == "docker" || (c.dockerConfig?.config.flatMap { JSONValue.parse($0)?["Healthcheck"] } != nil)
    }
}
