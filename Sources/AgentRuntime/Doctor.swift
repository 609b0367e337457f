public import AgentConfig
import DockerEngine
public import Logging

/// `ecs-agent doctor`: checks of the host the agent depends on, each with a verdict and a
/// sentence an operator can act on. For now the Docker checks; later issues add the control
/// plane, endpoints and iptables.
public struct Doctor: Sendable {
    public enum Verdict: String, Sendable {
        case ok = "ok", warning = "warn", failed = "FAIL", skipped = "skip"
    }

    public struct Check: Sendable {
        public var name: String
        public var verdict: Verdict
        public var detail: String

        public init(name: String, verdict: Verdict, detail: String) {
            self.name = name
            self.verdict = verdict
            self.detail = detail
        }
    }

    let config: ResolvedConfig
    let logger: Logger

    public init(config: ResolvedConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run() async -> [Check] {
        guard let endpoint = DockerEndpoint(config.dockerEndpoint) else {
            return [Check(name: "docker endpoint", verdict: .failed, detail: "DOCKER_HOST=\(config.dockerEndpoint) is not unix:///path or tcp://host:port")]
        }
        var timeouts = DockerClient.Timeouts()
        timeouts.quick = .seconds(10)
        let docker = DockerClient(endpoint: endpoint, timeouts: timeouts, logger: logger)
        let checks = await dockerChecks(docker, endpoint: endpoint)
        try? await docker.shutdown()
        return checks
    }

    func dockerChecks(_ docker: DockerClient, endpoint: DockerEndpoint) async -> [Check] {
        var checks: [Check] = []
        do {
            try await docker.ping()
            checks.append(Check(name: "docker reachable", verdict: .ok, detail: "\(endpoint) answers"))
        } catch {
            checks.append(Check(name: "docker reachable", verdict: .failed, detail: "\(error)"))
            return checks
        }

        do {
            let chosen = try await docker.negotiateVersion()
            let version = try await docker.version()
            checks.append(Check(name: "docker api version", verdict: .ok,
                                detail: "Docker \(version.version), API \(version.apiVersion); using \(chosen) (needs \(DockerClient.minimumAPIVersion))"))
        } catch {
            checks.append(Check(name: "docker api version", verdict: .failed, detail: "\(error)"))
            return checks
        }

        do {
            let info = try await docker.info()
            checks.append(Check(name: "docker storage", verdict: .ok,
                                detail: "driver \(info.driver ?? "?"), root \(info.dockerRootDir ?? "?")"))
            let cgroup = "cgroup v\(info.cgroupVersion ?? "1") with the \(info.cgroupDriver ?? "?") driver"
            checks.append(Check(name: "docker cgroups", verdict: .ok, detail: cgroup))
            checks.append(loggingDrivers(info))
        } catch {
            checks.append(Check(name: "docker info", verdict: .failed, detail: "\(error)"))
        }

        checks.append(await statsSample(docker))
        return checks
    }

    /// Every log driver the agent advertises must be one dockerd has.
    func loggingDrivers(_ info: DockerInfo) -> Check {
        let advertised = config.strings("ECS_AVAILABLE_LOGGING_DRIVERS")
        guard let available = info.plugins?.log else {
            return Check(name: "docker log drivers", verdict: .warning, detail: "dockerd did not list its log drivers")
        }
        // "none" and "awsfirelens" are not dockerd plugins: none is built in, awsfirelens is the agent's.
        let missing = advertised.filter { !available.contains($0) && $0 != "none" && $0 != "awsfirelens" }
        if missing.isEmpty {
            return Check(name: "docker log drivers", verdict: .ok, detail: "advertised \(advertised.joined(separator: ", ")) are available")
        }
        return Check(name: "docker log drivers", verdict: .failed,
                     detail: "ECS_AVAILABLE_LOGGING_DRIVERS advertises \(missing.joined(separator: ", ")) but dockerd has only \(available.joined(separator: ", "))")
    }

    /// A stats sample of a running container must carry CPU and memory figures; on hosts
    /// where containerd cannot find a cgroup hierarchy it returns zeros instead of failing.
    /// Up to three containers are sampled, oldest first (a container that is just starting or
    /// stopping can read as zero); one non-zero sample passes.
    func statsSample(_ docker: DockerClient) async -> Check {
        let name = "docker stats"
        do {
            let running = try await docker.listContainers(all: false).sorted { ($0.created ?? 0) < ($1.created ?? 0) }
            guard !running.isEmpty else {
                return Check(name: name, verdict: .skipped, detail: "no running container to sample")
            }
            var zero: [String] = []
            for container in running.prefix(3) {
                guard let stats = try? await docker.stats(container.id, oneShot: true) else { continue }
                let memory = stats.memoryStats?.usage ?? 0
                let cpu = stats.cpuStats?.cpuUsage?.totalUsage ?? 0
                if memory > 0 && cpu > 0 {
                    return Check(name: name, verdict: .ok, detail: "container \(container.id.prefix(12)): cpu \(cpu) ns, memory \(memory) bytes")
                }
                zero.append(String(container.id.prefix(12)))
            }
            if zero.isEmpty { return Check(name: name, verdict: .warning, detail: "no sample could be read") }
            return Check(name: name, verdict: .failed,
                         detail: "containers \(zero.joined(separator: ", ")) report zero cpu and memory: containerd cannot read their cgroups (are the cgroup v1 hierarchies in /proc/self/cgroup mounted?)")
        } catch {
            return Check(name: name, verdict: .failed, detail: "\(error)")
        }
    }

    public static func render(_ checks: [Check]) -> (text: String, exitCode: Int32) {
        var text = ""
        for check in checks {
            text += "\(check.verdict.rawValue.padding(toLength: 5))\(check.name.padding(toLength: 22))\(check.detail)\n"
        }
        let failed = checks.contains { $0.verdict == .failed }
        text += failed ? "\nsome checks failed\n" : "\nall checks passed\n"
        return (text, failed ? 1 : 0)
    }
}

extension String {
    func padding(toLength width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
