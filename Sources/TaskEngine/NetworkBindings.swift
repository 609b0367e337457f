public import ECSModel

/// Docker's `NetworkSettings.Ports` → the bindings reported to ECS (engine.md §9.4).
public enum NetworkBindings {
    /// One published address of a container port, as Docker inspect shows it.
    public struct Published: Sendable, Hashable {
        public var hostIP: String
        public var hostPort: String
        public init(hostIP: String, hostPort: String) {
            self.hostIP = hostIP
            self.hostPort = hostPort
        }
    }

    public struct TooMany: Error, Sendable, Equatable, CustomStringConvertible {
        public var count: Int
        public init(count: Int) { self.count = count }
        public var description: String { "a container with port ranges may report at most 100 network bindings, this one has \(count)" }
    }

    public static let maximumWithRanges = 100

    /// `ports` is keyed `"<port>/<proto>"`. Single ports give one binding each per address;
    /// ports inside one of `mappings`' container port ranges are folded into one
    /// `{containerPortRange, hostPortRange}` binding per (range, address). IPv6 (`::`) bindings are
    /// dropped when `excludeIPv6` (the default: Docker reports both families for one port), IPv4
    /// ones on an IPv6-only host.
    public static func from(_ ports: [String: [Published]], mappings: [ACSPortMapping], excludeIPv6: Bool = true,
                            ipv6Only: Bool = false) throws(TooMany) -> [NetworkBinding] {
        let ranges: [(low: Int, high: Int, proto: String)] = mappings.compactMap { m in
            guard let text = m.containerPortRange, let (low, high) = CreateRequest.portRange(text) else { return nil }
            return (Int(low), Int(high), m.protocol_ == "udp" ? "udp" : "tcp")
        }
        var singles: [NetworkBinding] = []
        var folded: [String: (range: (low: Int, high: Int, proto: String), ip: String, hosts: [Int])] = [:]
        for (key, published) in ports {
            let parts = key.split(separator: "/")
            guard let port = Int(parts.first ?? ""), (0...65535).contains(port) else { continue }
            let proto = parts.count > 1 ? String(parts[1]) : "tcp"
            for p in published {
                let ip = p.hostIP.isEmpty ? "0.0.0.0" : p.hostIP
                let isV6 = ip.contains(":")
                if (isV6 && excludeIPv6 && !ipv6Only) || (!isV6 && ipv6Only) { continue }
                guard let host = Int(p.hostPort) else { continue }
                if let range = ranges.first(where: { $0.proto == proto && (Int($0.low)...Int($0.high)).contains(port) }) {
                    let k = "\(range.low)-\(range.high)/\(proto) \(ip)"
                    folded[k, default: (range, ip, [])].hosts.append(host)
                } else {
                    singles.append(NetworkBinding(bindIP: ip, containerPort: port, hostPort: host, protocol_: proto))
                }
            }
        }
        let consolidated = folded.values.map { entry in
            NetworkBinding(bindIP: entry.ip, protocol_: entry.range.proto, containerPortRange: "\(entry.range.low)-\(entry.range.high)",
                           hostPortRange: "\(entry.hosts.min()!)-\(entry.hosts.max()!)")
        }
        let all = (singles + consolidated).sorted {
            ($0.containerPort ?? 0, $0.containerPortRange ?? "", $0.protocol_ ?? "", $0.bindIP ?? "") < ($1.containerPort ?? 0, $1.containerPortRange ?? "", $1.protocol_ ?? "", $1.bindIP ?? "")
        }
        if !ranges.isEmpty && all.count > maximumWithRanges { throw TooMany(count: all.count) }
        return all
    }
}
