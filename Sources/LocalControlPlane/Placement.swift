import AWSSupport
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
        /// Tasks of the group being placed that are on this instance and not stopped.
        var groupTasks = 0
        /// What memberOf expressions and spread fields read.
        var facts: ClusterQuery.Facts? = nil
    }

    /// placementStrategy and placementConstraints of a RunTask call or a service, checked.
    struct Policy: Sendable {
        enum Strategy: Sendable, Equatable {
            case random
            case spread(field: String)
            case binpack(memory: Bool)
        }

        var strategies: [Strategy] = []
        var distinctInstance = false
        var memberOf: [ClusterQuery] = []

        /// AWS's limits and field rules, with its error type.
        static func parse(strategies: [JSONValue], constraints: [PlacementConstraint]) throws(AWSError) -> Policy {
            var policy = Policy()
            guard strategies.count <= 5 else { throw AWSError.invalidParameter("The number of placement strategies cannot exceed 5.") }
            guard constraints.count <= 10 else { throw AWSError.invalidParameter("The number of placement constraints cannot exceed 10.") }
            for s in strategies {
                let type = s["type"]?.stringValue ?? ""
                let field = s["field"]?.stringValue
                switch type {
                case "random":
                    policy.strategies.append(.random)
                case "spread":
                    guard let field, !field.isEmpty else { throw AWSError.invalidParameter("A spread placement strategy requires a field (instanceId, host or attribute:<name>).") }
                    let known = ["instanceid", "host"].contains(field.lowercased()) || (field.hasPrefix("attribute:") && field.count > "attribute:".count)
                    guard known else { throw AWSError.invalidParameter("Invalid field \(field) for the spread placement strategy: use instanceId, host or attribute:<name>.") }
                    policy.strategies.append(.spread(field: field.lowercased() == "host" ? "instanceId" : field))
                case "binpack":
                    guard let field, ["cpu", "memory"].contains(field.lowercased()) else {
                        throw AWSError.invalidParameter("Invalid field \(field ?? "(none)") for the binpack placement strategy: use cpu or memory.")
                    }
                    policy.strategies.append(.binpack(memory: field.lowercased() == "memory"))
                default:
                    throw AWSError.invalidParameter("Invalid placement strategy type \(type.isEmpty ? "(none)" : type): use random, spread or binpack.")
                }
            }
            for c in constraints {
                switch c.type {
                case "distinctInstance":
                    guard c.expression == nil else { throw AWSError.invalidParameter("You cannot specify an expression if the constraint type is distinctInstance.") }
                    policy.distinctInstance = true
                case "memberOf":
                    guard let expression = c.expression, !expression.isEmpty else { throw AWSError.invalidParameter("A memberOf placement constraint requires an expression.") }
                    policy.memberOf.append(try ClusterQuery.parse(expression))
                default:
                    throw AWSError.invalidParameter("Invalid placement constraint type \(c.type ?? "(none)"): use distinctInstance or memberOf.")
                }
            }
            return policy
        }
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

    /// Picks the instance for one task. Instances it does not fit, or whose constraints it
    /// breaks, are left out with AWS's reason; the strategies then narrow the rest in order, each
    /// keeping its best (ties go on to the next strategy). With no strategy: the instance with
    /// the fewest tasks, then the most free memory. The last tie is broken by ARN, or at random
    /// when a random strategy was given. `candidates` are all the cluster's usable instances:
    /// spread counts tasks over all of them, not only those the task fits.
    static func choose(_ demand: Demand, among candidates: [Candidate], policy: Policy = Policy(),
                       random: () -> Int = { Int.random(in: 0..<Int.max) }) -> Choice {
        var fitting: [Candidate] = []
        var failures: [Failure] = []
        for c in candidates {
            if let reason = misfit(demand, on: c) {
                failures.append(Failure(arn: c.arn, reason: reason))
            } else if let facts = c.facts, !policy.memberOf.allSatisfy({ $0.matches(facts) }) {
                failures.append(Failure(arn: c.arn, reason: "MemberOf placement constraint unsatisfied."))
            } else if policy.distinctInstance && c.groupTasks > 0 {
                failures.append(Failure(arn: c.arn, reason: "DistinctInstance placement constraint unsatisfied."))
            } else {
                fitting.append(c)
            }
        }
        guard !fitting.isEmpty else { return .unplaceable(failures) }
        var pool = fitting
        var randomly = false
        if policy.strategies.isEmpty {
            pool = keepMin(pool) { Double($0.usage.pending + $0.usage.running) }
            pool = keepMin(pool) { -Double($0.record.registeredMemory - $0.usage.memory) }
        }
        for strategy in policy.strategies where pool.count > 1 {
            switch strategy {
            case .random:
                randomly = true
            case .binpack(let memory):
                pool = keepMin(pool) { Double(memory ? $0.record.registeredMemory - $0.usage.memory : $0.record.registeredCPU - $0.usage.cpu) }
            case .spread(let field):
                // Tasks of the group per value of the field, over every instance of the cluster.
                var perValue: [String: Int] = [:]
                for c in candidates { perValue[value(of: field, c), default: 0] += c.groupTasks }
                pool = keepMin(pool) { Double(perValue[value(of: field, $0)] ?? 0) }
            }
        }
        pool.sort { $0.arn < $1.arn }
        return .placed(randomly ? pool[random() % pool.count].arn : pool[0].arn)
    }

    /// The value a spread field reads on an instance; instances without the attribute share "".
    static func value(of field: String, _ c: Candidate) -> String {
        if field == "instanceId" { return c.arn }
        return c.facts?.attributes[String(field.dropFirst("attribute:".count))] ?? ""
    }

    static func keepMin(_ pool: [Candidate], by key: (Candidate) -> Double) -> [Candidate] {
        guard let best = pool.map(key).min() else { return pool }
        return pool.filter { key($0) == best }
    }
}
