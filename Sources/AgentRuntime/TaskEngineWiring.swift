import AgentConfig
import ControlPlaneClient
import ECSModel
import Logging
import ServiceLifecycle
import StateStore
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The engine's `EngineStore` on the agent's SQLite store; recorded changes wake the reporter.
struct EngineStateStore: EngineStore {
    let store: AgentStateStore
    let reporter: StateChangeReporter

    func save(_ record: TaskRecord, changes: [TaskStateChangeRequest]) async throws {
        // Straight to text: a JSONValue round trip tripled the encoding, which is on every launch's path.
        let encoder = JSONEncoder()
        try await store.saveEngineTask(arn: record.arn, body: String(decoding: try encoder.encode(record), as: UTF8.self),
                                       changes: try changes.map { String(decoding: try encoder.encode($0), as: UTF8.self) })
        if !changes.isEmpty { reporter.changesRecorded() }
    }

    func delete(taskArn: String) async throws { try await store.deleteEngineTask(arn: taskArn) }

    func loadAll() async throws -> [TaskRecord] {
        try await store.engineTasks().compactMap { text in
            guard let value = JSONValue.parse(text) else { return nil }
            return try? value.decode(TaskRecord.self)
        }
    }

    func allDelivered(taskArn: String) async -> Bool {
        ((try? await store.pendingStateChangeCount(taskArn: taskArn)) ?? 1) == 0
    }
}

/// ACS's `TaskPayloadReceiver`, answered by the task engine.
struct EngineReceiver: TaskPayloadReceiver {
    let manager: TaskManager
    let credentials: TaskCredentialsStore

    func accept(_ task: ACSTask) async throws { try await manager.accept(task) }
    func desiredRunningTaskArns() async -> [String] { await manager.desiredRunningTaskArns() }
    func knows(taskArn: String) async -> Bool { await manager.knows(taskArn: taskArn) }
    func credentialsChanged(taskArn: String, roleType: TaskCredentialsStore.RoleType, credentialsId: String) async {
        guard roleType == .taskExecution, let entry = await credentials.get(credentialsId) else { return }
        await manager.executionCredentialsChanged(taskArn: taskArn, entry.credentials)
    }
    func stop(taskArns: [String]) async { await manager.stop(taskArns: taskArns) }
}

/// The engine as one Service of the agent's ServiceGroup. On graceful shutdown the engine
/// stops following Docker; the tasks' containers keep running and are re-adopted at the next start.
struct TaskEngineService: Service {
    let manager: TaskManager

    func run() async throws {
        do { try await cancelWhenGracefulShutdown { try await manager.run() } } catch is CancellationError {}
    }
}

extension AgentRunner {
    /// The engine's settings from ecs.config (config.md) and the registration.
    func engineSettings(cluster: String, region: String, containerInstanceArn: String) -> EngineSettings {
        var s = EngineSettings(cluster: cluster, region: region, instanceLabel: String(containerInstanceArn.split(separator: "/").last ?? ""))
        s.stopTimeout = config.containerStopTimeout
        s.cleanupWait = config.duration("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION")
        s.privilegedDisabled = config.bool("ECS_DISABLE_PRIVILEGED")
        s.cgroupCPUPeriod = config.duration("ECS_CGROUP_CPU_PERIOD")
        s.taskPidsLimit = config.int("ECS_TASK_PIDS_LIMIT")
        s.logging = loggingPolicy()
        if let type = config.string("ECS_ENGINE_AUTH_TYPE"), let data = config.string("ECS_ENGINE_AUTH_DATA") {
            s.login = { image in RegistryAuth.login(forImage: image, type: type, data: data) }
        }
        return s
    }

    func taskManager(docker: DockerContainerRuntime, store: AgentStateStore, reporter: StateChangeReporter, settings: EngineSettings,
                     host: HostResources, secrets: (any SecretsSource)?, registryCredentials: (any RegistryCredentialsSource)?,
                     cgroups: (any TaskCgroups)?, board: TaskBoard, metadataFiles: (any ContainerMetadataFiles)? = nil,
                     logShipping: (any ContainerLogShipping)? = nil) -> TaskManager {
        let range = config.dynamicHostPortRange
        let reservedTCP = Set(config.ports("ECS_RESERVED_PORTS")), reservedUDP = Set(config.ports("ECS_RESERVED_PORTS_UDP"))
        let allocator = HostPortAllocator(range: range.start...range.end, reservedTCP: reservedTCP, reservedUDP: reservedUDP)
        let capacity = ResourceDemand(cpu: host.cpuCount * 1024, memoryMiB: max(0, host.memoryMiB - config.int("ECS_RESERVED_MEMORY")),
                                      tcpPorts: reservedTCP, udpPorts: reservedUDP)
        let behavior = PullBehavior(rawValue: config.string("ECS_IMAGE_PULL_BEHAVIOR") ?? "default") ?? .default
        var cleaner: ImageCleaner?
        // prefer-cached turns automatic image cleanup off (engine.md §6.2).
        if !config.bool("ECS_DISABLE_IMAGE_CLEANUP") && behavior != .preferCached {
            var s = ImageCleaner.Settings()
            s.interval = config.duration("ECS_IMAGE_CLEANUP_INTERVAL")
            s.minimumAge = config.duration("ECS_IMAGE_MINIMUM_CLEANUP_AGE")
            s.perCycle = config.int("ECS_NUM_IMAGES_DELETE_PER_CYCLE")
            s.excluded = Set(config.strings("ECS_EXCLUDE_UNTRACKED_IMAGE")).union(["amazon/amazon-ecs-agent:latest"])
            if config.bool("ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP") {
                var rules = UntrackedCleanupRules.Settings()
                rules.containersPerCycle = config.int("NONECS_NUM_CONTAINERS_DELETE_PER_CYCLE")
                rules.containerMinimumAge = config.duration("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION")
                rules.imageMinimumAge = config.duration("NON_ECS_IMAGE_MINIMUM_CLEANUP_AGE")
                s.untracked = rules
            }
            cleaner = ImageCleaner(runtime: docker, untracked: docker, settings: s, logger: logger)
        }
        let services = EngineServices(
            settings: settings, runtime: docker, store: EngineStateStore(store: store, reporter: reporter),
            admission: AdmissionQueue(capacity: capacity), ports: PortLedger(allocator: allocator),
            puller: ImagePuller(runtime: docker, behavior: behavior, logger: logger), secrets: secrets,
            registryCredentials: registryCredentials, cgroups: cgroups, images: cleaner, board: board, logger: logger,
            now: { Date().timeIntervalSince1970 })
        var withFiles = services
        withFiles.metadataFiles = metadataFiles
        withFiles.logShipping = logShipping
        return TaskManager(services: withFiles)
    }
}

extension AgentRunner {
    /// Who ships awslogs, the local files Docker keeps meanwhile, the drivers offered.
    func loggingPolicy() -> LoggingPolicy {
        var p = LoggingPolicy()
        p.agentShipsAwslogs = (config.string("ECS_AWSLOGS_SHIPPING") ?? "agent").lowercased() == "agent"
        p.localDriverOptions = ["max-size": config.string("ECS_AWSLOGS_LOCAL_MAX_SIZE") ?? "20m",
                                "max-file": String(config.int("ECS_AWSLOGS_LOCAL_MAX_FILE")), "compress": "false"]
        p.availableDrivers = Set(config.strings("ECS_AVAILABLE_LOGGING_DRIVERS"))
        p.executionRoleOverride = config.bool("ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE")
        return p
    }

    /// Task cgroups when ECS_ENABLE_TASK_CPU_MEM_LIMIT is on: directories on cgroupfs under
    /// Docker's `cgroupfs` driver, transient systemd slices under its `systemd` driver;
    /// otherwise nil, with a line that says why task-level cpu and memory are not enforced.
    func taskCgroups(dockerCgroupDriver: String?) -> (any TaskCgroups)? {
        let placement = TaskCgroupPlacement.choose(enabled: config.bool("ECS_ENABLE_TASK_CPU_MEM_LIMIT"),
                                                   root: config.string("ECS_CGROUP_PATH") ?? "/sys/fs/cgroup",
                                                   dockerCgroupDriver: dockerCgroupDriver)
        switch placement {
        case .unavailable(let reason, let fix):
            logger.warning("task-level cpu and memory are not enforced",
                           metadata: ["reason": "\(reason)", "fix": "\(fix)", "key": "ECS_ENABLE_TASK_CPU_MEM_LIMIT"])
        case .cgroupfs, .systemd:
            logger.info("task cgroups", metadata: ["placement": "\(placement.summary)"])
        case .disabled:
            break
        }
        return placement.cgroups(logger: logger)
    }
}
