public import ECSModel

/// What a task takes from the host while it runs (engine.md §13.2).
public struct ResourceDemand: Sendable, Hashable {
    public var cpu: Int
    public var memoryMiB: Int
    public var tcpPorts: Set<UInt16>
    public var udpPorts: Set<UInt16>

    public init(cpu: Int = 0, memoryMiB: Int = 0, tcpPorts: Set<UInt16> = [], udpPorts: Set<UInt16> = []) {
        self.cpu = cpu
        self.memoryMiB = memoryMiB
        self.tcpPorts = tcpPorts
        self.udpPorts = udpPorts
    }

    /// Task cpu × 1024 when set, else the containers' cpu; task memory when set, else each
    /// container's reservation (`MemoryReservation` of its hostConfig, bytes) or hard limit;
    /// static host ports unless the task is awsvpc.
    public init(task: ACSTask) {
        let containers = task.containers ?? []
        cpu = task.cpu.map { Int(($0 * 1024).rounded()) } ?? containers.reduce(0) { $0 + ($1.cpu ?? 0) }
        memoryMiB = task.memory ?? containers.reduce(0) { total, c in
            let reservation = c.dockerConfig?.hostConfig.flatMap { JSONValue.parse($0)?["MemoryReservation"]?.intValue }.map { Int($0 / (1024 * 1024)) }
            return total + (reservation.flatMap { $0 > 0 ? $0 : nil } ?? c.memory ?? 0)
        }
        var tcp: Set<UInt16> = [], udp: Set<UInt16> = []
        if task.networkMode != "awsvpc" {
            for c in containers {
                for p in c.portMappings ?? [] {
                    guard let host = p.hostPort, host > 0, let port = UInt16(exactly: host) else { continue }
                    if p.protocol_ == "udp" { udp.insert(port) } else { tcp.insert(port) }
                }
            }
        }
        tcpPorts = tcp
        udpPorts = udp
    }
}

public struct AdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// Local admission control: tasks are admitted in arrival order when their demand fits what
/// the host has left; the head of the queue blocks those behind it (no overtaking, so a big
/// task is never starved). A release re-evaluates the queue at once: no polling, no missed
/// wake-up. A waiting task whose launch is cancelled (a stop arrived) leaves the queue.
public actor AdmissionQueue {
    public let capacity: ResourceDemand
    private var consumed: [String: ResourceDemand] = [:]
    private var waiting: [(arn: String, demand: ResourceDemand, continuation: CheckedContinuation<Void, any Error>)] = []

    /// `capacity.tcpPorts`/`udpPorts` are the reserved ports: taken from the start.
    public init(capacity: ResourceDemand) {
        self.capacity = capacity
    }

    /// Returns once `arn` holds `demand`. Throws when the demand can never fit, or when the
    /// waiting task is cancelled.
    public func admit(_ arn: String, _ demand: ResourceDemand) async throws {
        if consumed[arn] != nil { return }
        if demand.cpu > capacity.cpu || demand.memoryMiB > capacity.memoryMiB {
            throw AdmissionError(description: "the task needs \(demand.cpu) CPU units and \(demand.memoryMiB) MiB; this host has \(capacity.cpu) and \(capacity.memoryMiB) in all")
        }
        if let port = demand.tcpPorts.intersection(capacity.tcpPorts).min() ?? demand.udpPorts.intersection(capacity.udpPorts).min() {
            throw AdmissionError(description: "host port \(port) is reserved on this host (ECS_RESERVED_PORTS)")
        }
        if waiting.isEmpty && fits(demand) {
            consumed[arn] = demand
            return
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.append((arn, demand, continuation))
            }
        } onCancel: {
            Task { await self.withdraw(arn) }
        }
    }

    /// Takes `demand` for `arn` without queueing (a task already running when the agent restarted).
    public func adopt(_ arn: String, _ demand: ResourceDemand) {
        consumed[arn] = demand
    }

    /// Gives back what `arn` held and admits whoever now fits, in order.
    public func release(_ arn: String) {
        consumed[arn] = nil
        drain()
    }

    public var queued: [String] { waiting.map(\.arn) }
    public var admitted: Set<String> { Set(consumed.keys) }

    private func withdraw(_ arn: String) {
        guard let i = waiting.firstIndex(where: { $0.arn == arn }) else { return }
        waiting.remove(at: i).continuation.resume(throwing: CancellationError())
        drain()
    }

    private func drain() {
        while let head = waiting.first, fits(head.demand) {
            waiting.removeFirst()
            consumed[head.arn] = head.demand
            head.continuation.resume()
        }
    }

    private func fits(_ d: ResourceDemand) -> Bool {
        let used = consumed.values
        let cpu = used.reduce(0) { $0 + $1.cpu }, memory = used.reduce(0) { $0 + $1.memoryMiB }
        let tcp = used.reduce(into: capacity.tcpPorts) { $0.formUnion($1.tcpPorts) }
        let udp = used.reduce(into: capacity.udpPorts) { $0.formUnion($1.udpPorts) }
        return cpu + d.cpu <= capacity.cpu && memory + d.memoryMiB <= capacity.memoryMiB
            && tcp.isDisjoint(with: d.tcpPorts) && udp.isDisjoint(with: d.udpPorts)
    }
}
