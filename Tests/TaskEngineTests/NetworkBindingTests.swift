import ECSModel
import TaskEngine
import Testing

@Suite("Network bindings")
struct NetworkBindingTests {
    typealias P = NetworkBindings.Published

    @Test("Single ports give one binding per address; IPv6 twins are dropped by default")
    func singles() throws {
        let ports = ["80/tcp": [P(hostIP: "0.0.0.0", hostPort: "49153"), P(hostIP: "::", hostPort: "49153")],
                     "53/udp": [P(hostIP: "", hostPort: "5353")]]
        let bindings = try NetworkBindings.from(ports, mappings: [])
        #expect(bindings == [NetworkBinding(bindIP: "0.0.0.0", containerPort: 53, hostPort: 5353, protocol_: "udp"),
                             NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 49153, protocol_: "tcp")])
        #expect(try NetworkBindings.from(ports, mappings: [], excludeIPv6: false).count == 3)
        #expect(try NetworkBindings.from(ports, mappings: [], ipv6Only: true) == [NetworkBinding(bindIP: "::", containerPort: 80, hostPort: 49153, protocol_: "tcp")])
    }

    @Test("Ports of a container port range fold into one range binding per address")
    func ranges() throws {
        var ports: [String: [P]] = [:]
        for i in 0..<3 { ports["\(9000 + i)/udp"] = [P(hostIP: "0.0.0.0", hostPort: "\(50000 + i)")] }
        ports["8080/tcp"] = [P(hostIP: "0.0.0.0", hostPort: "8080")]
        let bindings = try NetworkBindings.from(ports, mappings: [ACSPortMapping(containerPortRange: "9000-9002", protocol_: "udp")])
        #expect(bindings.contains(NetworkBinding(bindIP: "0.0.0.0", protocol_: "udp", containerPortRange: "9000-9002", hostPortRange: "50000-50002")))
        #expect(bindings.contains(NetworkBinding(bindIP: "0.0.0.0", containerPort: 8080, hostPort: 8080, protocol_: "tcp")))
        #expect(bindings.count == 2)
    }

    @Test("More than 100 bindings for a container with ranges is refused")
    func tooMany() {
        var ports: [String: [P]] = [:]
        for i in 0..<101 { ports["\(1000 + i)/tcp"] = [P(hostIP: "0.0.0.0", hostPort: "\(2000 + i)")] }
        #expect(throws: NetworkBindings.TooMany(count: 101)) {
            try NetworkBindings.from(ports, mappings: [ACSPortMapping(containerPortRange: "9000-9001")])
        }
    }
}
