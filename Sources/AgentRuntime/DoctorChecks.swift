import AgentConfig
import AWSSupport
import AsyncHTTPClient
import DockerEngine
import ECSModel
import HostSystem
import NIOCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The checks of `ecs-agent doctor` beyond Docker: the troubleshooting steps of the reference
/// agent's documentation (is containerd up, is the agent registered, are the credentials
/// accepted, is 169.254.170.2 wired, is there room for images, is the clock right), each with
/// what to do when it fails.
extension Doctor {
    /// containerd's socket accepts a connection: the one dockerd started itself
    /// (/var/run/docker/containerd) or a system containerd (/run/containerd).
    static func containerd(sockets: [String] = ["/run/containerd/containerd.sock", "/var/run/docker/containerd/containerd.sock"]) -> Check {
        for path in sockets where access(path, F_OK) == 0 {
            if UnixSocketProbe.connects(path) {
                return Check(name: "containerd", verdict: .ok, detail: "\(path) accepts connections")
            }
        }
        return Check(name: "containerd", verdict: .failed, detail: "no containerd socket answers (\(sockets.joined(separator: ", ")))",
                     fix: "systemctl status containerd docker; journalctl -u containerd")
    }

    /// Room for images and container layers where dockerd keeps them.
    static func diskRoom(path: String) -> Check {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else {
            return Check(name: "docker disk", verdict: .warning, detail: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let total = Double(fs.f_blocks) * Double(fs.f_frsize)
        let free = Double(fs.f_bavail) * Double(fs.f_frsize)
        let inodes = Double(fs.f_files)
        let freeInodes = Double(fs.f_favail)
        let freeShare = total > 0 ? free / total : 1
        let inodeShare = inodes > 0 ? freeInodes / inodes : 1
        let detail = "\(path): \(Self.gib(free)) GiB free of \(Self.gib(total)) (\(Int(freeShare * 100)) %), \(Int(inodeShare * 100)) % inodes free"
        let fix = "docker system prune, or lower ECS_IMAGE_MINIMUM_CLEANUP_AGE / ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION"
        if free < 1 * 1_073_741_824 || freeShare < 0.05 || inodeShare < 0.05 {
            return Check(name: "docker disk", verdict: .failed, detail: detail, fix: fix)
        }
        if freeShare < 0.15 || inodeShare < 0.15 { return Check(name: "docker disk", verdict: .warning, detail: detail, fix: fix) }
        return Check(name: "docker disk", verdict: .ok, detail: detail)
    }

    static func gib(_ bytes: Double) -> String {
        let value = bytes / 1_073_741_824
        return value >= 10 ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
    }

    /// The running agent, through its introspection API: it answers and has registered.
    func agentCheck() async -> Check {
        let address = introspectionBase
        guard let (status, body, _) = await Self.get(address + "/v1/metadata", timeout: .seconds(5)) else {
            return Check(name: "agent", verdict: .failed, detail: "no answer on \(address) (ECS_INTROSPECTION_LISTEN_ADDRESS)",
                         fix: "systemctl start ecs-agent; systemctl status ecs-agent; journalctl -u ecs-agent")
        }
        guard status == 200, let json = JSONValue.parse(body) else {
            return Check(name: "agent", verdict: .failed, detail: "\(address)/v1/metadata answered \(status)")
        }
        guard let arn = json["ContainerInstanceArn"]?.stringValue, !arn.isEmpty else {
            return Check(name: "agent", verdict: .failed, detail: "running but not registered (cluster \(json["Cluster"]?.stringValue ?? "?"))",
                         fix: "journalctl -u ecs-agent | grep -i regist")
        }
        var detail = "registered as \(arn)"
        if let (_, text, _) = await Self.get(address + "/v1/connections", timeout: .seconds(5)), let c = JSONValue.parse(text),
           let acs = c["ACS"]?["Connected"]?.boolValue {
            detail += acs ? ", ACS connected" : ", ACS not connected (last: \(c["ACS"]?["LastEnd"]?.stringValue ?? "?"))"
            if !acs {
                return Check(name: "agent", verdict: .warning, detail: detail, fix: "journalctl -u ecs-agent | grep ACS")
            }
        }
        return Check(name: "agent", verdict: .ok, detail: detail)
    }

    var introspectionBase: String {
        let listen = EndpointWiring.listenAddress(config.string("ECS_INTROSPECTION_LISTEN_ADDRESS") ?? "0.0.0.0:51678")
        let host = listen.map { $0.host == "0.0.0.0" || $0.host == "::" ? "127.0.0.1" : $0.host } ?? "127.0.0.1"
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(listen?.port ?? 51678)"
    }

    /// route_localnet and the 169.254.170.2 DNAT/REDIRECT rules the agent installs at start.
    func plumbingCheck(runner: any CommandRunner = SpawnRunner(),
                       sysctl: (String) -> String? = CredentialsProxyRules.readSysctl) async -> Check {
        let name = "169.254.170.2"
        guard config.bool("ECS_HOST_NETWORK_RULES") else {
            return Check(name: name, verdict: .skipped, detail: "ECS_HOST_NETWORK_RULES=false: the host's own tooling owns these rules")
        }
        let localnet = sysctl("net/ipv4/conf/all/route_localnet")
        let nat = await runner.run(["iptables", "-w", "-t", "nat", "-S", "OUTPUT"])
        let hasRule = nat.status == 0 && nat.output.contains("169.254.170.2")
        if localnet == "1" && hasRule {
            return Check(name: name, verdict: .ok, detail: "route_localnet=1; nat OUTPUT redirects 169.254.170.2:80")
        }
        var missing: [String] = []
        if localnet != "1" { missing.append("net.ipv4.conf.all.route_localnet is \(localnet ?? "unreadable"), not 1") }
        if nat.status != 0 { missing.append("iptables -t nat -S OUTPUT failed: \(nat.output.prefix(200))") } else if !hasRule { missing.append("no 169.254.170.2 rule in nat OUTPUT") }
        return Check(name: name, verdict: .failed, detail: missing.joined(separator: "; "),
                     fix: "the agent installs these at start: systemctl restart ecs-agent, then journalctl -u ecs-agent | grep 169.254.170.2")
    }

    /// Credentials found, accepted by the control plane, the cluster known, and the clock
    /// within SigV4's 5 minutes of the control plane's.
    func controlPlaneChecks(environment: [String: String]) async -> [Check] {
        var checks: [Check] = []
        let external = config.bool("ECS_EXTERNAL")
        let imds = IMDSClient(options: .from(environment: environment, external: external))
        var region = config.region ?? ""
        if region.isEmpty, let fromIMDS = try? await imds.region() { region = fromIMDS }
        guard !region.isEmpty else {
            return [Check(name: "control plane", verdict: .failed, detail: "no region: AWS_DEFAULT_REGION is unset and instance metadata gave none",
                          fix: "set AWS_DEFAULT_REGION in /etc/ecs/ecs.config")]
        }
        let runner = AgentRunner(config: config, environment: environment, logger: logger)
        let chain = CredentialChain(runner.credentialProviders(imds: imds, external: external))
        let found: ExpiringCredentials
        do {
            found = try await chain.current()
            let key = found.credentials.accessKeyId
            checks.append(Check(name: "credentials", verdict: .ok, detail: "from \(found.source) (\(key.prefix(4))…\(key.suffix(4)))"))
        } catch {
            checks.append(Check(name: "credentials", verdict: .failed, detail: "\(error)",
                                fix: external ? "ECS Anywhere: is the SSM agent writing /root/.aws/credentials?" : "attach an instance role, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
            return checks
        }

        let fips: Bool
        if case .contents(let text) = SystemFiles.read("/proc/sys/crypto/fips_enabled") { fips = text.hasPrefix("1") } else { fips = false }
        let endpoint = ECSEndpoint.resolve(backendHost: config.string("ECS_BACKEND_HOST"), region: region, fips: fips)
        let client = AWSJSONClient(options: .init(endpoint: endpoint, region: region, userAgent: "ecs-agent-doctor/\(AgentVersion.version)",
                                                  timeout: .seconds(10), attempts: 1),
                                   credentials: chain)
        let cluster = config.cluster
        do {
            let out = try await client.once("DescribeClusters", .object(["clusters": .array([.string(cluster)])]))
            let status = out["clusters"]?.arrayValue?.first?["status"]?.stringValue
            if status == "ACTIVE" {
                checks.append(Check(name: "control plane", verdict: .ok, detail: "\(endpoint) accepted the credentials; cluster \(cluster) is ACTIVE"))
            } else if cluster == "default" {
                checks.append(Check(name: "control plane", verdict: .ok, detail: "\(endpoint) accepted the credentials; cluster default is created at registration"))
            } else {
                checks.append(Check(name: "control plane", verdict: .failed, detail: "\(endpoint) accepted the credentials but cluster \(cluster) is \(status ?? "missing")",
                                    fix: "aws ecs create-cluster --cluster-name \(cluster), or fix ECS_CLUSTER"))
            }
        } catch {
            switch error {
            case .service(let e):
                checks.append(Check(name: "control plane", verdict: .failed, detail: "\(endpoint) refused DescribeClusters: \(e.type): \(e.message)",
                                    fix: e.status == 403 || e.type.contains("Signature") || e.type.contains("Unrecognized")
                                        ? "the credentials from \(found.source) were refused: check the key, the role's ecs: permissions and the clock" : nil))
            default:
                checks.append(Check(name: "control plane", verdict: .failed, detail: "\(endpoint): \(error)",
                                    fix: "check ECS_BACKEND_HOST (\(config.string("ECS_BACKEND_HOST") ?? "unset")), DNS, HTTPS_PROXY and NO_PROXY"))
                return checks
            }
        }
        checks.append(await clockCheck(endpoint: endpoint))
        return checks
    }

    /// The Date header of any answer from the control plane against this host's clock.
    func clockCheck(endpoint: String) async -> Check {
        let before = Date()
        guard let (_, _, headers) = await Self.get(endpoint + "/", timeout: .seconds(10)),
              let date = headers.first(where: { $0.0.lowercased() == "date" })?.1,
              let remote = Self.httpDate(date) else {
            return Check(name: "clock", verdict: .warning, detail: "the control plane sent no Date header to compare with")
        }
        let local = before.timeIntervalSince1970 + Date().timeIntervalSince(before) / 2
        let skew = local - remote
        let detail = "\(abs(skew) < 1 ? "within 1 s" : "\(Int(skew.rounded())) s \(skew > 0 ? "ahead of" : "behind") the control plane")"
        if abs(skew) >= 300 {
            return Check(name: "clock", verdict: .failed, detail: detail + ": requests are signed outside SigV4's 5 minutes",
                         fix: "enable time sync: timedatectl set-ntp true (chrony or systemd-timesyncd)")
        }
        if abs(skew) >= 30 { return Check(name: "clock", verdict: .warning, detail: detail, fix: "enable time sync: timedatectl set-ntp true") }
        return Check(name: "clock", verdict: .ok, detail: detail)
    }

    static func httpDate(_ text: String) -> Double? { CivilTime.httpDate(text).map(Double.init) }

    /// One GET with a deadline: status, body, headers; nil when nothing answered.
    static func get(_ url: String, timeout: Duration) async -> (Int, String, [(String, String)])? {
        do {
            let response = try await AWSHTTP.client.execute(HTTPClientRequest(url: url), timeout: .init(timeout))
            let body = try await response.body.collect(upTo: 4 << 20)
            return (Int(response.status.code), String(buffer: body), response.headers.map { ($0.name, $0.value) })
        } catch {
            return nil
        }
    }

    /// Task-level cpu and memory need somewhere to make task cgroups under dockerd's driver
    /// (the same choice `ecs-agent run` makes at start).
    func taskCgroups(dockerCgroupDriver: String?) -> Check {
        let placement = TaskCgroupPlacement.choose(enabled: config.bool("ECS_ENABLE_TASK_CPU_MEM_LIMIT"),
                                                   root: config.string("ECS_CGROUP_PATH") ?? "/sys/fs/cgroup",
                                                   dockerCgroupDriver: dockerCgroupDriver)
        if case .unavailable(let reason, let fix) = placement {
            return Check(name: "task cgroups", verdict: .warning, detail: reason + "; task cpu and memory are not enforced", fix: fix)
        }
        return Check(name: "task cgroups", verdict: .ok, detail: placement.summary)
    }
}

/// Whether a Unix stream socket accepts a connection.
enum UnixSocketProbe {
    static func connects(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }
}
