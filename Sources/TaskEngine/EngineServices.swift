public import ECSModel
public import Logging

/// The settings the engine takes from ecs.config and registration.
public struct EngineSettings: Sendable {
    public var cluster: String
    public var region: String
    /// Marks every container this agent creates (`ecs-agent.container-instance=<value>`), so the
    /// orphan sweep never touches another instance's containers on a shared dockerd.
    public var instanceLabel: String
    /// ECS_CONTAINER_STOP_TIMEOUT: the grace period when a container has no stopTimeout.
    public var stopTimeout: Duration = .seconds(30)
    /// ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION.
    public var cleanupWait: Duration = .seconds(3 * 3600)
    /// How often cleanup looks again whether the STOPPED change was accepted.
    public var deliveryCheck: Duration = .seconds(5)
    /// How long a container carrying this instance's label but owned by no task is left alone
    /// before the orphan sweep removes it.
    public var orphanGrace: Duration = .seconds(60)
    public var privilegedDisabled = false
    /// ECS_CGROUP_CPU_PERIOD and ECS_TASK_PIDS_LIMIT.
    public var cgroupCPUPeriod: Duration = .milliseconds(100)
    public var taskPidsLimit = 0
    /// How often a RUNNING task's containers are inspected again (plus up to a tenth more, at most 30 s, of jitter).
    public var steadyStatePoll: Duration = .seconds(300)
    /// Registry credentials for an image (ECS_ENGINE_AUTH_TYPE/DATA), nil for anonymous.
    public var login: @Sendable (String) -> RegistryLogin? = { _ in nil }
    /// Log drivers offered and who ships awslogs.
    public var logging = LoggingPolicy()

    public static let instanceLabelKey = "ecs-agent.container-instance"

    public init(cluster: String, region: String, instanceLabel: String) {
        self.cluster = cluster
        self.region = region
        self.instanceLabel = instanceLabel
    }
}

/// What every task actor shares: the runtime, the store, admission, ports and pulls.
public struct EngineServices: Sendable {
    public var settings: EngineSettings
    public var runtime: any ContainerRuntime
    public var store: any EngineStore
    public var admission: AdmissionQueue
    public var ports: PortLedger
    public var puller: ImagePuller
    public var secrets: (any SecretsSource)?
    /// ECR tokens and Secrets Manager repository credentials; nil: such containers fail their pull.
    public var registryCredentials: (any RegistryCredentialsSource)?
    /// Task cgroups for task-level cpu and memory; nil when ECS_ENABLE_TASK_CPU_MEM_LIMIT is off.
    public var cgroups: (any TaskCgroups)?
    /// Image cleanup; nil when ECS_DISABLE_IMAGE_CLEANUP or the prefer-cached pull behaviour.
    public var images: ImageCleaner?
    /// Every task's last saved record, for the endpoints.
    public var board: TaskBoard
    /// Container metadata files; nil unless ECS_ENABLE_CONTAINER_METADATA.
    public var metadataFiles: (any ContainerMetadataFiles)?
    /// The agent's awslogs shipping; nil leaves every container's logs to Docker.
    public var logShipping: (any ContainerLogShipping)?
    public var logger: Logger
    public var now: @Sendable () -> Double

    public init(settings: EngineSettings, runtime: any ContainerRuntime, store: any EngineStore, admission: AdmissionQueue, ports: PortLedger,
                puller: ImagePuller, secrets: (any SecretsSource)? = nil,
                registryCredentials: (any RegistryCredentialsSource)? = nil, cgroups: (any TaskCgroups)? = nil, images: ImageCleaner? = nil, board: TaskBoard = TaskBoard(), logger: Logger,
                now: @escaping @Sendable () -> Double) {
        self.settings = settings
        self.runtime = runtime
        self.store = store
        self.admission = admission
        self.ports = ports
        self.puller = puller
        self.secrets = secrets
        self.registryCredentials = registryCredentials
        self.cgroups = cgroups
        self.images = images
        self.board = board
        self.logger = logger
        self.now = now
    }
}

/// The host ports the agent chose, per task, around one `HostPortAllocator`.
public actor PortLedger {
    private var allocator: HostPortAllocator
    private var byTask: [String: [PortBinding]] = [:]

    public init(allocator: HostPortAllocator) {
        self.allocator = allocator
    }

    /// Host ports for `container`'s mappings (engine.md §9): static ones as given, dynamic ones
    /// (hostPort 0 or absent) and container port ranges from the dynamic range. None in host
    /// and none network modes, where Docker publishes nothing.
    public func assign(task arn: String, networkMode: String?, container: ACSContainer) throws(PortAllocationError) -> [PortBinding] {
        guard (networkMode ?? "bridge") == "bridge" || networkMode == "" else { return [] }
        var out: [PortBinding] = []
        var taken: [(UInt16, PortProtocol)] = []
        do {
            for m in container.portMappings ?? [] {
                let proto: PortProtocol = m.protocol_ == "udp" ? .udp : .tcp
                if let range = m.containerPortRange, let (low, high) = CreateRequest.portRange(range) {
                    let block = try allocator.allocate(Int(high - low) + 1, proto)
                    taken += block.map { ($0, proto) }
                    out += zip(low...high, block).map { PortBinding(containerPort: $0, hostPort: $1, proto: proto) }
                } else if let port = m.containerPort.flatMap(UInt16.init(exactly:)) {
                    if let host = m.hostPort, host > 0, let h = UInt16(exactly: host) {
                        out.append(PortBinding(containerPort: port, hostPort: h, proto: proto))
                    } else {
                        let h = try allocator.allocate(1, proto)[0]
                        taken.append((h, proto))
                        out.append(PortBinding(containerPort: port, hostPort: h, proto: proto))
                    }
                }
            }
        } catch {
            for (p, proto) in taken { allocator.release([p], proto) }
            throw error
        }
        byTask[arn, default: []] += out
        return out
    }

    /// Marks ports already in use by a task's containers (after a restart).
    public func hold(task arn: String, _ bindings: [PortBinding]) {
        for b in bindings where allocator.range.contains(b.hostPort) { allocator.hold([b.hostPort], b.proto) }
        byTask[arn, default: []] += bindings
    }

    public func release(task arn: String) {
        for b in byTask.removeValue(forKey: arn) ?? [] where allocator.range.contains(b.hostPort) { allocator.release([b.hostPort], b.proto) }
    }
}
