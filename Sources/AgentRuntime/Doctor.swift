public import AgentConfig
import DockerEngine
public import Logging

/// `ecs-agent doctor`: the troubleshooting steps operators follow today, as one command. Each
/// check has a verdict, a sentence saying what was seen and, when it did not pass, what to do.
/// Groups run independently: a dead Docker daemon does not hide a missing credential.
public struct Doctor: Sendable {
    public enum Verdict: String, Sendable {
        case ok = "ok", warning = "warn", failed = "FAIL", skipped = "skip"
    }

    public struct Check: Sendable {
        public var name: String
        public var verdict: Verdict
        public var detail: String
        /// What to do about it; shown under a check that did not pass.
        public var fix: String?

        public init(name: String, verdict: Verdict, detail: String, fix: String? = nil) {
            self.name = name
            self.verdict = verdict
            self.detail = detail
            self.fix = fix
        }
    }

    /// The groups of checks; `ecs-agent doctor` runs them all.
    public struct Groups: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// dockerd, containerd, room for images.
        public static let docker = Groups(rawValue: 1)
        /// The running agent and the 169.254.170.2 plumbing it installs.
        public static let agent = Groups(rawValue: 2)
        /// Credentials, the control plane and the clock.
        public static let controlPlane = Groups(rawValue: 4)
        public static let all: Groups = [.docker, .agent, .controlPlane]
    }

    let config: ResolvedConfig
    let logger: Logger

    public init(config: ResolvedConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run(_ groups: Groups = .docker, environment: [String: String] = [:]) async -> [Check] {
        var checks: [Check] = []
        if groups.contains(.docker) {
            if let endpoint = DockerEndpoint(config.dockerEndpoint) {
                var timeouts = DockerClient.Timeouts()
                timeouts.quick = .seconds(10)
                let docker = DockerClient(endpoint: endpoint, timeouts: timeouts, logger: logger)
                checks += await dockerChecks(docker, endpoint: endpoint)
                try? await docker.shutdown()
            } else {
                checks.append(Check(name: "docker endpoint", verdict: .failed, detail: "DOCKER_HOST=\(config.dockerEndpoint) is not unix:///path or tcp://host:port",
                                    fix: "fix DOCKER_HOST in /etc/ecs/ecs.config"))
            }
            checks.append(Self.containerd())
        }
        if groups.contains(.agent) {
            checks.append(await agentCheck())
            checks.append(await plumbingCheck())
        }
        if groups.contains(.controlPlane) {
            checks += await controlPlaneChecks(environment: environment)
        }
        return checks
    }

    func dockerChecks(_ docker: DockerClient, endpoint: DockerEndpoint) async -> [Check] {
        var checks: [Check] = []
        var dockerRoot: String?
        do {
            try await docker.ping()
            checks.append(Check(name: "docker reachable", verdict: .ok, detail: "\(endpoint) answers"))
        } catch {
            checks.append(Check(name: "docker reachable", verdict: .failed, detail: "\(error)",
                                fix: "systemctl start docker; is DOCKER_HOST (\(endpoint)) the daemon's socket?"))
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
            dockerRoot = info.dockerRootDir
            checks.append(Check(name: "docker storage", verdict: .ok,
                                detail: "driver \(info.driver ?? "?"), root \(info.dockerRootDir ?? "?")"))
            let cgroup = "cgroup v\(info.cgroupVersion ?? "1") with the \(info.cgroupDriver ?? "?") driver"
            checks.append(Check(name: "docker cgroups", verdict: .ok, detail: cgroup))
            checks.append(taskCgroups(dockerCgroupDriver: info.cgroupDriver))
            checks.append(loggingDrivers(info))
        } catch {
            checks.append(Check(name: "docker info", verdict: .failed, detail: "\(error)"))
        }

        checks.append(await statsSample(docker))
        if let root = dockerRoot { checks.append(Self.diskRoom(path: root)) }
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
            text += "\(check.verdict.rawValue.padding(toLength: 5))\(check.name.padding(toLength: 20))\(check.detail)\n"
            if let fix = check.fix, check.verdict != .ok {
                text += String(repeating: " ", count: 25) + "→ \(fix)\n"
            }
        }
        let failed = checks.filter { $0.verdict == .failed }.map(\.name)
        text += failed.isEmpty ? "\nall checks passed\n" : "\n\(failed.count) of \(checks.count) checks failed: \(failed.joined(separator: ", "))\n"
        return (text, failed.isEmpty ? 0 : 1)
    }
}

extension String {
    func padding(toLength width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
