public import ECSModel

/// `dependsOn` conditions, plus CREATE (the implicit edge of `volumesFrom`).
public enum DependencyCondition: String, Sendable, Hashable, CaseIterable {
    case start = "START", complete = "COMPLETE", success = "SUCCESS", healthy = "HEALTHY", create = "CREATE"
}

public struct Dependency: Sendable, Hashable {
    public var containerName: String
    public var condition: DependencyCondition
    public init(_ containerName: String, _ condition: DependencyCondition) {
        self.containerName = containerName
        self.condition = condition
    }
}

/// A task whose dependency graph cannot run (engine.md §4.5); reported STOPPED with this reason.
public struct TaskDependencyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "TaskDependencyError: \(reason)" }
}

/// The dependency graph of one task: explicit `dependsOn` and the implicit edges of
/// `volumesFrom` (CREATE) and `links` (START), validated before the task starts.
public struct DependencyGraph: Sendable, Equatable {
    /// Container name → what it waits for.
    public let edges: [String: [Dependency]]

    public init(containers: [ACSContainer]) throws(TaskDependencyError) {
        let names = Set(containers.compactMap(\.name))
        var edges: [String: [Dependency]] = [:]
        for c in containers {
            guard let name = c.name else { continue }
            var deps: [Dependency] = []
            for d in c.dependsOn ?? [] {
                guard let target = d.containerName, !target.isEmpty else { throw TaskDependencyError(reason: "container \(name): dependsOn without containerName") }
                guard let condition = d.condition.flatMap(DependencyCondition.init(rawValue:)), condition != .create else {
                    throw TaskDependencyError(reason: "container \(name): dependsOn \(target) has condition \(d.condition ?? "(none)"); expected START, COMPLETE, SUCCESS or HEALTHY")
                }
                deps.append(Dependency(target, condition))
            }
            for v in c.volumesFrom ?? [] {
                guard let source = v.sourceContainer, names.contains(source) else {
                    throw TaskDependencyError(reason: "container \(name): volumesFrom \(v.sourceContainer ?? "(none)") is not a container of the task")
                }
                deps.append(Dependency(source, .create))
            }
            for link in c.links ?? [] {
                let parts = link.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2, let target = parts.first, !target.isEmpty else {
                    throw TaskDependencyError(reason: "container \(name): link \(link) is not name or name:alias")
                }
                guard names.contains(String(target)) else { throw TaskDependencyError(reason: "container \(name): link \(target) is not a container of the task") }
                deps.append(Dependency(String(target), .start))
            }
            for d in deps where d.containerName == name { throw TaskDependencyError(reason: "container \(name) depends on itself") }
            edges[name] = deps
        }
        // dependsOn may name a container that does not exist: that is a terminal dependency at
        // run time (engine.md §4.2), not a graph error. Cycles are graph errors.
        if let cycle = Self.findCycle(edges) { throw TaskDependencyError(reason: "circular dependency: \(cycle.joined(separator: " → "))") }
        self.edges = edges
    }

    /// Containers that wait for `name` (the reverse edges), for stop ordering.
    public func dependents(of name: String) -> [String] {
        edges.filter { $0.value.contains { $0.containerName == name } }.map(\.key).sorted()
    }

    static func findCycle(_ edges: [String: [Dependency]]) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []
        func visit(_ n: String) -> [String]? {
            if marks[n] == .done { return nil }
            if marks[n] == .visiting, let start = path.firstIndex(of: n) { return Array(path[start...]) + [n] }
            marks[n] = .visiting
            path.append(n)
            for d in edges[n] ?? [] {
                if let cycle = visit(d.containerName) { return cycle }
            }
            path.removeLast()
            marks[n] = .done
            return nil
        }
        for n in edges.keys.sorted() {
            if let cycle = visit(n) { return cycle }
        }
        return nil
    }
}

/// Whether a container may take its next step given one dependency (engine.md §4.1–4.2).
public enum DependencyResolution: Sendable, Equatable {
    case resolved
    /// Not yet; the reason says what it waits for.
    case waiting(String)
    /// Never: the dependent is stopped with exit code 143 and this reason.
    case unsatisfiable(String)
}

public enum DependencyRules {
    /// The exit code reported for a container stopped because a dependency can never be met.
    public static let unsatisfiableExitCode = 143

    /// Evaluates `dependency` for `dependent`, whose next step would take it to `target`.
    public static func resolve(_ dependency: Dependency, for dependent: ContainerState, target: ContainerStatus,
                               in containers: [String: ContainerState], now: Double) -> DependencyResolution {
        guard let dep = containers[dependency.containerName] else {
            return .unsatisfiable("CannotStartContainerError: dependency \(dependency.containerName) of \(dependent.name) is not a container of the task")
        }
        let name = dep.name
        // Will never start: not running, wanted stopped, nothing in flight.
        let neverStarts = dep.known < .running && dep.desired == .stopped && dep.applying == nil
        switch dependency.condition {
        case .create:
            if dep.known >= .created { return .resolved }
        case .start:
            if dep.known == .stopped || dep.known == dep.steady || (target == .created && dep.known >= .created) { return .resolved }
        case .complete:
            if dep.known == .stopped && dep.exitCode != nil { return .resolved }
        case .success:
            if dep.known == .stopped, let code = dep.exitCode {
                return code == 0 ? .resolved
                    : .unsatisfiable("CannotStartContainerError: dependency \(name) of \(dependent.name) exited with \(code), condition SUCCESS cannot be met")
            }
        case .healthy:
            guard dep.hasHealthCheck else {
                return .unsatisfiable("CannotStartContainerError: dependency \(name) of \(dependent.name) has no health check, condition HEALTHY cannot be met")
            }
            if dep.health == .healthy { return .resolved }
            if dep.known == .stopped {
                return .unsatisfiable("CannotStartContainerError: dependency \(name) of \(dependent.name) stopped before it was healthy")
            }
        }
        if neverStarts {
            return .unsatisfiable("CannotStartContainerError: dependency \(name) of \(dependent.name) has not started and will not start")
        }
        // The dependency's startTimeout bounds how long SUCCESS/COMPLETE/HEALTHY may take.
        if [.success, .complete, .healthy].contains(dependency.condition), dependent.known < .created, dep.known != .stopped,
           dep.startTimeout > 0, let started = dep.startedAt, now - started > Double(dep.startTimeout) {
            return .unsatisfiable("CannotStartContainerError: dependency \(name) of \(dependent.name) did not reach \(dependency.condition.rawValue) within its startTimeout of \(dep.startTimeout) s")
        }
        return .waiting("\(name) \(dependency.condition.rawValue)")
    }

    /// Whether `name` may be stopped now: every container that depends on it is known STOPPED
    /// (containers stop in reverse dependency order).
    public static func mayStop(_ name: String, graph: DependencyGraph, containers: [String: ContainerState]) -> Bool {
        graph.dependents(of: name).allSatisfy { containers[$0]?.known == .stopped }
    }
}
