import ECSModel

/// What a task needs from an instance.
struct Demand: Sendable, Equatable {
    var cpu = 0
    var memory = 0
    var tcp: [Int] = []
    var udp: [Int] = []
}

/// Where tasks go. Pure: the inputs are instances with what they hold, the output is a choice
/// or the AWS failure reason of each instance.
enum Placement {
    enum Choice: Sendable, Equatable {
        case placed(String)
        case unplaceable([Failure])
    }

    struct Candidate: Sendable {
        var arn: String
        var record: InstanceRecord
        var usage: Usage
    }

    /// The resources a task definition (with overrides) asks for, as AWS counts them:
    /// task-level cpu/memory when set, else the sum over containers (memory falls back to
    /// memoryReservation); static host ports in bridge and host modes.
    static func demand(_ definition: TaskDefinition, overrides: TaskOverride?) throws -> Demand {
        var d = Demand()
        let containers = definition.containerDefinitions ?? []
        let byName = Dictionary((overrides?.containerOverrides ?? []).compactMap { o in o.name.map { ($0, o) } }) { a, _ in a }
        let taskCPU = try (overrides?.cpu ?? definition.cpu).map(ControlPlane.parseTaskCPU)
        let taskMemory = try (overrides?.memory ?? definition.memory).map(ControlPlane.parseTaskMemory)
        d.cpu = taskCPU ?? containers.reduce(0) { $0 + (byName[$1.name ?? ""]?.cpu ?? $1.cpu ?? 0) }
        d.memory = taskMemory ?? containers.reduce(0) { sum, c in
            let o = byName[c.name ?? ""]
            return sum + (o?.memory ?? c.memory ?? o?.memoryReservation ?? c.memoryReservation ?? 0)
        }
        let mode = definition.networkMode ?? "bridge"
        for c in containers {
            for m in c.portMappings ?? [] where m.containerPortRange == nil {
                let host = mode == "host" ? m.containerPort ?? 0 : m.hostPort ?? 0
                guard host != 0 else { continue }
                if m.protocol_ == "udp" { d.udp.append(host) } else { d.tcp.append(host) }
            }
        }
        return d
    }

    /// The first AWS reason `demand` does not fit on `c`, or nil when it fits.
    static func misfit(_ demand: Demand, on c: Candidate) -> String? {
        if c.record.instance.status != "ACTIVE" { return "INACTIVE" }
        if !c.record.connected { return "AGENT" }
        if c.record.registeredCPU - c.usage.cpu < demand.cpu { return "RESOURCE:CPU" }
        if c.record.registeredMemory - c.usage.memory < demand.memory { return "RESOURCE:MEMORY" }
        let takenTCP = c.usage.tcp.union(c.record.reservedTCP)
        if demand.tcp.contains(where: takenTCP.contains) || Set(demand.tcp).count != demand.tcp.count { return "RESOURCE:PORTS" }
        let takenUDP = c.usage.udp.union(c.record.reservedUDP)
        if demand.udp.contains(where: takenUDP.contains) || Set(demand.udp).count != demand.udp.count { return "RESOURCE:PORTS_UDP" }
        return nil
    }

    /// Picks the instance for one task: among those it fits, the one with the fewest tasks
    /// (then the most free memory, then by ARN, so the choice is deterministic). Returns the
    /// failure of each instance when it fits none.
    static func choose(_ demand: Demand, among candidates: [Candidate]) -> Choice {
        var fitting: [Candidate] = []
        var failures: [Failure] = []
        for c in candidates {
            if let reason = misfit(demand, on: c) { failures.append(Failure(arn: c.arn, reason: reason)) } else { fitting.append(c) }
        }
        let best = fitting.min { a, b in
            let ta = a.usage.pending + a.usage.running, tb = b.usage.pending + b.usage.running
            if ta != tb { return ta < tb }
            let fa = a.record.registeredMemory - a.usage.memory, fb = b.record.registeredMemory - b.usage.memory
            if fa != fb { return fa > fb }
            return a.arn < b.arn
        }
        if let best { return .placed(best.arn) }
        return .unplaceable(failures)
    }
}
