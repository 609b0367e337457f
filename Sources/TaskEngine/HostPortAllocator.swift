#if canImport(Glibc)
import Glibc
#endif

public enum PortProtocol: String, Sendable, Hashable, CaseIterable, Codable {
    case tcp, udp
}

public struct PortAllocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Picks dynamic host ports (engine.md §9.2–9.3): scans `range` upward from one past the last
/// port it handed out (wrapping), skips reserved ports and ports it already handed out and not
/// yet released, and checks each candidate with a bind probe. Unlike the Go agent, a port stays
/// held from selection until `release`, so two tasks launched together never get the same one.
public struct HostPortAllocator: Sendable {
    public typealias Probe = @Sendable (UInt16, PortProtocol) -> Bool

    public let range: ClosedRange<UInt16>
    let reserved: [PortProtocol: Set<UInt16>]
    let probe: Probe
    private var cursor: [PortProtocol: UInt16] = [:]
    private var held: [PortProtocol: Set<UInt16>] = [:]

    public init(range: ClosedRange<UInt16>, reservedTCP: Set<UInt16> = [], reservedUDP: Set<UInt16> = [], probe: @escaping Probe = BindProbe.isFree) {
        self.range = range
        self.reserved = [.tcp: reservedTCP, .udp: reservedUDP]
        self.probe = probe
    }

    /// `count` contiguous free ports (1 for a single dynamic port), now held.
    public mutating func allocate(_ count: Int = 1, _ proto: PortProtocol = .tcp) throws(PortAllocationError) -> [UInt16] {
        let size = Int(range.upperBound) - Int(range.lowerBound) + 1
        guard count >= 1, count <= size else {
            throw PortAllocationError(description: count == 1 ? "a host port is unavailable" : "\(count) contiguous host ports are unavailable")
        }
        let start = cursor[proto].map { $0 >= range.upperBound ? range.lowerBound : $0 + 1 } ?? range.lowerBound
        var offset = 0
        while offset < size {
            let first = Int(range.lowerBound) + (Int(start) - Int(range.lowerBound) + offset) % size
            // A block must lie inside the range: a block that would run past the end restarts at the bottom.
            if first + count - 1 > Int(range.upperBound) {
                offset += Int(range.upperBound) - first + 1
                continue
            }
            let block = (first..<(first + count)).map { UInt16($0) }
            if let bad = block.firstIndex(where: { !usable($0, proto) }) {
                offset += bad + 1
                continue
            }
            held[proto, default: []].formUnion(block)
            cursor[proto] = block.last
            return block
        }
        throw PortAllocationError(description: count == 1 ? "a host port is unavailable" : "\(count) contiguous host ports are unavailable")
    }

    /// Gives ports back (the container was removed).
    public mutating func release(_ ports: [UInt16], _ proto: PortProtocol = .tcp) {
        held[proto]?.subtract(ports)
    }

    /// Marks ports as taken without a search (a container re-adopted after a restart).
    public mutating func hold(_ ports: [UInt16], _ proto: PortProtocol = .tcp) {
        held[proto, default: []].formUnion(ports)
    }

    public func isHeld(_ port: UInt16, _ proto: PortProtocol = .tcp) -> Bool { held[proto]?.contains(port) ?? false }

    private func usable(_ port: UInt16, _ proto: PortProtocol) -> Bool {
        !(reserved[proto]?.contains(port) ?? false) && !(held[proto]?.contains(port) ?? false) && probe(port, proto)
    }
}

/// Whether a port can be bound on all IPv4 addresses right now (as the Go agent checks).
public enum BindProbe {
    public static let isFree: HostPortAllocator.Probe = { port, proto in
        let fd = socket(AF_INET, proto == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return false }
        return proto == .udp || listen(fd, 1) == 0
    }
}
