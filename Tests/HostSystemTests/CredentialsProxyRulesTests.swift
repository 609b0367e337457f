@testable import HostSystem
import Synchronization
import Testing

/// iptables as a table of rules in memory: `-C` looks, `-A`/`-I` add, `-D` removes, `-S` lists
/// the way iptables prints rules back.
final class FakeIptables: CommandRunner, @unchecked Sendable {
    let calls = Mutex<[[String]]>([])
    let listed = Mutex<[String: [String]]>([:])
    let present = Mutex<Set<[String]>>([])

    func run(_ argv: [String]) async -> CommandResult {
        calls.withLock { $0.append(argv) }
        let op = argv[4], key = Array([argv[0], argv[3], argv[5]] + argv.dropFirst(6))
        switch op {
        case "-C": return CommandResult(status: present.withLock { $0.contains(key) } ? 0 : 1, output: "")
        case "-A", "-I":
            present.withLock { _ = $0.insert(key) }
            return CommandResult(status: 0, output: "")
        case "-S": return CommandResult(status: 0, output: (listed.withLock { $0["\(argv[0]) \(argv[3]) \(argv[5])"] } ?? []).joined(separator: "\n"))
        case "-D": return CommandResult(status: 0, output: "")
        default: return CommandResult(status: 2, output: "unknown")
        }
    }
}

@Suite struct CredentialsProxyRulesTests {
    @Test func theReferencesRulesAreInstalledInOrderAndOnlyOnce() async {
        var rules = CredentialsProxyRules()
        rules.metadataPort = 51679
        rules.dockerBridge = "docker0"
        rules.ipv6 = false
        let fake = FakeIptables()
        let sysctls = Mutex<[String]>([])
        let first = await rules.install(runner: fake, sysctl: { key, value in sysctls.withLock { $0.append("\(key)=\(value)") }; return nil })
        #expect(first.failures.isEmpty)
        #expect(sysctls.withLock { $0 } == ["net/ipv4/conf/all/route_localnet=1"])
        #expect(first.added == [
            "iptables -w -t nat -A PREROUTING -p tcp -d 169.254.170.2 --dport 80 -j DNAT --to-destination 127.0.0.1:51679",
            "iptables -w -t filter -I INPUT --dst 127.0.0.0/8 ! --src 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
            "iptables -w -t filter -I INPUT -p tcp --dport 51678 ! -i lo -j DROP",
            "iptables -w -t filter -I INPUT -p tcp --dport 51678 -i docker0 -j ACCEPT",
            "iptables -w -t nat -A OUTPUT -p tcp -d 169.254.170.2 --dport 80 -j REDIRECT --to-ports 51679",
        ])
        let second = await rules.install(runner: fake, sysctl: { _, _ in nil })
        #expect(second.added.isEmpty && second.present == 5)
    }

    @Test func theSwitchesLeaveOutTheirRules() {
        var rules = CredentialsProxyRules()
        rules.skipLocalhostFilter = true
        rules.allowOffhostIntrospection = true
        #expect(rules.rules.map(\.chain) == ["PREROUTING", "OUTPUT"])
        rules.allowOffhostIntrospection = false
        rules.ipv6 = true
        #expect(rules.rules.filter { $0.command == "ip6tables" }.count == 1, "the introspection drop for IPv6 too; no bridge, no ACCEPT")
    }

    @Test func cleanupRemovesTheAgentsRulesForAnyPortAndNothingElse() async {
        let fake = FakeIptables()
        fake.listed.withLock {
            $0["iptables nat PREROUTING"] = ["-P PREROUTING ACCEPT", "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
                                             "-A PREROUTING -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:41234"]
            $0["iptables nat OUTPUT"] = ["-A OUTPUT -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 41234"]
            $0["iptables filter INPUT"] = ["-A INPUT -p tcp -m tcp --dport 51678 -i docker0 -j ACCEPT",
                                           "-A INPUT ! -i lo -p tcp -m tcp --dport 51678 -j DROP",
                                           "-A INPUT -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
                                           "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"]
        }
        let restored = Mutex<String?>(nil)
        let removed = await CredentialsProxyRules().remove(runner: fake, sysctl: { _, value in restored.withLock { $0 = value }; return nil },
                                                            readSysctl: { _ in "0" })
        #expect(removed.count == 5)
        #expect(removed.first == "iptables -w -t nat -D PREROUTING -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:41234")
        #expect(!removed.contains { $0.contains("--dport 22") || $0.contains("DOCKER") })
        #expect(restored.withLock { $0 } == "0")
    }

    @Test func aCommandThatIsMissingOrFailsSaysSo() async {
        let missing = await SpawnRunner().run(["ecs-agent-no-such-command"])
        #expect(missing.status == 127)
        let fails = await SpawnRunner().run(["sh", "-c", "echo oops >&2; exit 3"])
        #expect(fails.status == 3 && fails.output == "oops\n")
    }
}
