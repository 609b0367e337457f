import PosixFiles
#if canImport(Glibc)
import Glibc
#endif

/// The host plumbing that lets containers reach the agent at 169.254.170.2 (endpoints.md §1.2):
/// route_localnet, the DNAT (bridges) and REDIRECT (host network) to the metadata listener, the
/// INPUT drops that keep 127.0.0.0/8 and the introspection port to this host. The reference
/// needs ecs-init for this; here the agent installs it at start, idempotently (`-C` before each
/// add), and `ecs-agent cleanup-host` removes it, whatever metadata port it was made for.
public struct CredentialsProxyRules: Sendable {
    public var metadataPort: Int = 51679
    public var introspectionPort: Int = 51678
    /// ECS_SKIP_LOCALHOST_TRAFFIC_FILTER
    public var skipLocalhostFilter = false
    /// ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS
    public var allowOffhostIntrospection = false
    public var loopbackInterface = "lo"
    /// The default Docker bridge's interface (docker0), nil when Docker has none.
    public var dockerBridge: String?
    public var ipv6: Bool = true

    public static let address = "169.254.170.2"

    public init() {}

    public struct Rule: Sendable, Equatable {
        public var command: String  // iptables or ip6tables
        public var table: String
        public var chain: String
        /// `-I` (first in the chain) rather than `-A`.
        public var insert: Bool
        public var spec: [String]

        func argv(_ op: String) -> [String] {
            [command, "-w", "-t", table, op, chain] + spec
        }
    }

    /// In the order installed; inserts are made in reverse so each lands above the one before.
    public var rules: [Rule] {
        var out: [Rule] = []
        out.append(Rule(command: "iptables", table: "nat", chain: "PREROUTING", insert: false,
                        spec: ["-p", "tcp", "-d", Self.address, "--dport", "80", "-j", "DNAT", "--to-destination", "127.0.0.1:\(metadataPort)"]))
        if !skipLocalhostFilter {
            out.append(Rule(command: "iptables", table: "filter", chain: "INPUT", insert: true,
                            spec: ["--dst", "127.0.0.0/8", "!", "--src", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP"]))
        }
        if !allowOffhostIntrospection {
            for command in ipv6 ? ["iptables", "ip6tables"] : ["iptables"] {
                out.append(Rule(command: command, table: "filter", chain: "INPUT", insert: true,
                                spec: ["-p", "tcp", "--dport", "\(introspectionPort)", "!", "-i", loopbackInterface, "-j", "DROP"]))
                if let bridge = dockerBridge {
                    // Inserted after the drop, so it sits above it.
                    out.append(Rule(command: command, table: "filter", chain: "INPUT", insert: true,
                                    spec: ["-p", "tcp", "--dport", "\(introspectionPort)", "-i", bridge, "-j", "ACCEPT"]))
                }
            }
        }
        out.append(Rule(command: "iptables", table: "nat", chain: "OUTPUT", insert: false,
                        spec: ["-p", "tcp", "-d", Self.address, "--dport", "80", "-j", "REDIRECT", "--to-ports", "\(metadataPort)"]))
        return out
    }

    public struct Outcome: Sendable {
        public var added: [String] = []
        public var present = 0
        public var failures: [String] = []
    }

    /// route_localnet on, then every rule not yet there. A failed ip6tables rule is only a warning
    /// (the reference's behaviour when ip6tables is missing).
    public func install(runner: any CommandRunner, sysctl: (String, String) -> String? = Self.writeSysctl) async -> Outcome {
        var outcome = Outcome()
        if let problem = sysctl("net/ipv4/conf/all/route_localnet", "1") { outcome.failures.append("route_localnet: \(problem)") }
        for rule in rules {
            if await runner.run(rule.argv("-C")).succeeded {
                outcome.present += 1
                continue
            }
            let result = await runner.run(rule.argv(rule.insert ? "-I" : "-A"))
            if result.succeeded {
                outcome.added.append(rule.argv(rule.insert ? "-I" : "-A").joined(separator: " "))
            } else if rule.command == "iptables" {
                outcome.failures.append("\(rule.argv(rule.insert ? "-I" : "-A").joined(separator: " ")): \(result.output.trimmingNewlines)")
            }
        }
        return outcome
    }

    /// Removes every rule of these shapes, for any metadata port (the port of the agent that
    /// made them may differ from the one configured now), and turns route_localnet back to the
    /// host's default.
    public func remove(runner: any CommandRunner, sysctl: (String, String) -> String? = Self.writeSysctl,
                       readSysctl: (String) -> String? = Self.readSysctl) async -> [String] {
        var removed: [String] = []
        let places = [("iptables", "nat", "PREROUTING"), ("iptables", "nat", "OUTPUT"), ("iptables", "filter", "INPUT"), ("ip6tables", "filter", "INPUT")]
        for (command, table, chain) in places {
            let listing = await runner.run([command, "-w", "-t", table, "-S", chain])
            guard listing.succeeded else { continue }
            for line in listing.output.split(separator: "\n") {
                let tokens = line.split(separator: " ").map(String.init)
                guard tokens.first == "-A", tokens.count > 2, isOurs(tokens, table: table) else { continue }
                let argv = [command, "-w", "-t", table, "-D"] + tokens.dropFirst()
                if await runner.run(argv).succeeded { removed.append(argv.joined(separator: " ")) }
            }
        }
        let original = readSysctl("net/ipv4/conf/default/route_localnet") ?? "0"
        _ = sysctl("net/ipv4/conf/all/route_localnet", original)
        return removed
    }

    /// Whether a rule listed by `-S` is one this agent installs (as iptables prints it back).
    func isOurs(_ tokens: [String], table: String) -> Bool {
        let text = " " + tokens.joined(separator: " ") + " "
        if table == "nat" {
            return text.contains(" -d \(Self.address)/32 ") && text.contains(" --dport 80 ")
                && (text.contains(" -j DNAT --to-destination 127.0.0.1:") || text.contains(" -j REDIRECT --to-ports "))
        }
        if text.contains(" -d 127.0.0.0/8 ") && text.contains(" ! -s 127.0.0.0/8 ") && text.contains(" -j DROP") && text.contains("RELATED,ESTABLISHED,DNAT") {
            return true
        }
        return text.contains(" --dport \(introspectionPort) ") && (text.contains(" -j DROP ") || text.contains(" -j ACCEPT "))
            && (text.contains(" ! -i \(loopbackInterface) ") || dockerBridge.map { text.contains(" -i \($0) ") } ?? text.contains(" -i docker0 "))
    }

    public static func writeSysctl(_ key: String, _ value: String) -> String? {
        let path = "/proc/sys/" + key
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count ? nil : "\(path): \(String(cString: strerror(errno)))"
    }

    public static func readSysctl(_ key: String) -> String? {
        guard case .contents(let text) = PosixFile.read("/proc/sys/" + key) else { return nil }
        return text.trimmingNewlines
    }
}

extension String {
    var trimmingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return String(s)
    }
}
