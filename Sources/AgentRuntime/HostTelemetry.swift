import ControlPlaneClient
import DockerEngine
import ECSModel
import Endpoints
import Logging
import ServiceLifecycle
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Samples CPU and memory of every running task container (one-shot Docker stats every
/// `interval`, ECS_POLLING_METRICS_WAIT_DURATION, 10 s by default) and hands TCS the samples gathered since its last collection, as CWStatsSets:
/// CPU in percent of one core, memory in MiB (protocol.md §5.3). The last sample of each
/// container is what the metadata endpoints' /stats serve, its `precpu_stats` and `preread`
/// taken from the sample before, so clients compute CPU use as from a streamed sample. Samples
/// are read from the containers' cgroup and /proc files (CgroupStats), Docker's one-shot stats
/// only where those cannot be read: the reference's stream per container pinned dockerd and
/// containerd (issue 6), and even one-shot calls cost them 0.55 CPU-s/min for 30 containers.
actor ContainerStatsCollector: Service, StatsSource {
    struct Samples {
        var cpu: [Double] = []
        var memory: [Double] = []
    }

    let docker: DockerClient
    let board: TaskBoard
    let interval: Duration
    let logger: Logger
    /// docker id → (cumulative CPU ns, when read) of the previous sample.
    private var previous: [String: (usage: UInt64, at: ContinuousClock.Instant)] = [:]
    private var samples: [String: Samples] = [:]
    /// The last sample per docker id as Docker's bytes (parsed only when asked for: 30 parsed
    /// samples held as trees cost over a megabyte of the agent's memory), the one before it for
    /// `precpu_stats`, when it was read, its network totals and the rate since the one before.
    private var latest: [String: Kept] = [:]

    struct Kept {
        var bytes: [UInt8]
        var previous: [UInt8]?
        var at: ContinuousClock.Instant
        var rx: UInt64
        var tx: UInt64
        var rate: (rx: Double, tx: Double)?
    }

    init(docker: DockerClient, board: TaskBoard, interval: Duration = .seconds(10), logger: Logger) {
        self.docker = docker
        self.board = board
        self.interval = interval
        self.logger = logger
    }

    nonisolated func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await self.sampleAll()
                    try await Task.sleep(for: self.interval)
                }
            }
        } catch is CancellationError {}
    }

    /// Stats calls in flight at once (and the size of the collector's own connection pool).
    static let concurrentSamples = 4

    func sampleAll() async {
        let ids = board.tasks().filter { $0.known == .running }.flatMap { $0.containers.filter { $0.known == .running }.compactMap(\.dockerID) }
        // From the containers' cgroup and /proc files; Docker's one-shot stats only for those
        // whose files cannot be read (at most `concurrentSamples` calls at a time).
        var results: [(String, [UInt8]?)] = []
        var viaDocker: [String] = []
        // Idle (no running container): no /proc/mounts parse every interval.
        let mounts = ids.isEmpty ? CgroupStats.Mounts() : cgroups.mounts()
        let wall = Date().timeIntervalSince1970
        for id in ids {
            if let sample = await cgroupSample(id, mounts: mounts, now: wall) {
                results.append((id, Array(sample.jsonText.utf8)))
            } else {
                viaDocker.append(id)
            }
        }
        let docker = self.docker
        results += await withTaskGroup(of: (String, [UInt8]?).self) { group in
            var out: [(String, [UInt8]?)] = []
            for (started, id) in viaDocker.enumerated() {
                if started >= Self.concurrentSamples, let r = await group.next() { out.append(r) }
                group.addTask { (id, try? await docker.statsJSON(id, oneShot: true)) }
            }
            for await r in group { out.append(r) }
            return out
        }
        let now = ContinuousClock.now
        for (id, bytes) in results {
            guard let bytes, let stats = try? JSONDecoder().decode(ContainerStats.self, from: Data(bytes)) else { continue }
            keep(bytes, stats, id: id, at: now)
            if let usage = stats.cpuStats?.cpuUsage?.totalUsage {
                if let last = previous[id], usage >= last.usage {
                    let elapsed = (now - last.at).seconds
                    if elapsed > 0 { samples[id, default: .init()].cpu.append(Double(usage - last.usage) / 1e9 / elapsed * 100) }
                }
                previous[id] = (usage, now)
            }
            if let usage = stats.memoryStats?.usage {
                // Page cache is not the container's own memory (the Go agent subtracts it too).
                let cache = stats.memoryStats?.stats?["cache"] ?? stats.memoryStats?.stats?["inactive_file"] ?? 0
                samples[id, default: .init()].memory.append(Double(usage > cache ? usage - cache : usage) / 1_048_576)
            }
        }
        let live = Set(ids)
        previous = previous.filter { live.contains($0.key) }
        latest = latest.filter { live.contains($0.key) }
        targets = targets.filter { live.contains($0.key) }
    }

    /// Where a container's files are: its init pid, Docker name and whether it has a network
    /// namespace of its own (host and none modes have no per-container counters in Docker's stats).
    struct Target {
        var pid: Int
        var name: String
        var networked: Bool
    }
    private var targets: [String: Target] = [:]
    let cgroups = CgroupStats()

    /// A sample read from files, inspecting the container again once when its pid is stale.
    private func cgroupSample(_ id: String, mounts: CgroupStats.Mounts, now: Double) async -> JSONValue? {
        for attempt in 0..<2 {
            if attempt == 1 || targets[id] == nil {
                guard let inspect = try? await docker.inspectContainer(id), let pid = inspect.state?.pid, pid > 0 else { return nil }
                let mode = inspect.hostConfig?.networkMode ?? "default"
                targets[id] = Target(pid: pid, name: String((inspect.name ?? "").drop { $0 == "/" }),
                                     networked: !(mode == "host" || mode == "none" || mode.hasPrefix("container:")))
            }
            guard let t = targets[id] else { return nil }
            if let sample = cgroups.sample(id: id, name: t.name, pid: t.pid, networked: t.networked, mounts: mounts, now: now) { return sample }
        }
        targets[id] = nil
        return nil
    }

    private func keep(_ bytes: [UInt8], _ stats: ContainerStats, id: String, at now: ContinuousClock.Instant) {
        let rx = (stats.networks ?? [:]).values.reduce(UInt64(0)) { $0 &+ ($1.rxBytes ?? 0) }
        let tx = (stats.networks ?? [:]).values.reduce(UInt64(0)) { $0 &+ ($1.txBytes ?? 0) }
        var kept = Kept(bytes: bytes, previous: nil, at: now, rx: rx, tx: tx)
        if let last = latest[id] {
            kept.previous = last.bytes
            let elapsed = (now - last.at).seconds
            if elapsed > 0, rx >= last.rx, tx >= last.tx { kept.rate = (Double(rx - last.rx) / elapsed, Double(tx - last.tx) / elapsed) }
        }
        latest[id] = kept
    }

    /// The metadata endpoints' stats: nil before the first sample of the container.
    func stats(dockerID: String) -> StatsSample? {
        guard let kept = latest[dockerID], case .object(var fields)? = JSONValue.parse(kept.bytes) else { return nil }
        if let previous = kept.previous.flatMap({ JSONValue.parse($0) }) {
            fields["precpu_stats"] = previous["cpu_stats"]
            fields["preread"] = previous["read"]
        }
        return StatsSample(raw: .object(fields), networkRate: kept.rate)
    }

    /// The samples since the last call, per docker id; they are consumed.
    func take() -> [String: Samples] {
        defer { samples = [:] }
        return samples
    }
}

/// TCS telemetry: task metrics from the stats collector, container health from the engine's
/// records, and the instance status from a Docker ping.
struct AgentTelemetry: TelemetrySource {
    let docker: DockerClient
    let manager: TaskManager
    let collector: ContainerStatsCollector
    let clusterArn: String

    func taskMetrics() async -> [TaskMetric] {
        let samples = await collector.take()
        return await manager.records().filter { $0.known == .running }.compactMap { record in
            let containers = record.containers.compactMap { c -> ContainerMetric? in
                guard let id = c.dockerID, let s = samples[id], !s.cpu.isEmpty || !s.memory.isEmpty else { return nil }
                return ContainerMetric(containerName: c.name, cpuStatsSet: Self.statsSet(s.cpu), memoryStatsSet: Self.statsSet(s.memory))
            }
            guard !containers.isEmpty else { return nil }
            return TaskMetric(taskArn: record.arn, clusterArn: clusterArn, taskDefinitionFamily: record.task.family,
                              taskDefinitionVersion: record.task.version, containerMetrics: containers)
        }
    }

    func taskHealth() async -> [TaskHealth] {
        let now = Date().timeIntervalSince1970
        return await manager.records().filter { $0.known == .running }.compactMap { record in
            let checked = zip(record.containers, record.task.containers ?? []).filter { $0.1.healthCheckType == "docker" }
            guard !checked.isEmpty else { return nil }
            return TaskHealth(taskArn: record.arn, clusterArn: clusterArn, taskDefinitionFamily: record.task.family, taskDefinitionVersion: record.task.version,
                              containers: checked.map { ContainerHealth(containerName: $0.0.name, healthStatus: $0.0.health.rawValue, statusSince: now) })
        }
    }

    func instanceStatuses() async -> [InstanceStatus] {
        let now = Date().timeIntervalSince1970
        var runtime = InstanceStatus(type: "ContainerRuntime", status: "OK", lastUpdated: now, lastStatusChange: now)
        do { try await docker.ping() } catch {
            runtime.status = "IMPAIRED"
            runtime.statusReason = "\(error)"
        }
        return [runtime, InstanceStatus(type: "Agent", status: "OK", lastUpdated: now, lastStatusChange: now)]
    }

    static func statsSet(_ values: [Double]) -> CWStatsSet {
        guard let low = values.min(), let high = values.max() else { return CWStatsSet(min: 0, max: 0, sampleCount: 0, sum: 0) }
        return CWStatsSet(min: low, max: high, sampleCount: Int64(values.count), sum: values.reduce(0, +))
    }
}
