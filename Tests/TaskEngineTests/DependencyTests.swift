import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite("Container dependencies")
struct DependencyTests {
    static func containers(_ json: String) throws -> [ACSContainer] {
        try JSONDecoder().decode([ACSContainer].self, from: Data(json.utf8))
    }

    @Test("dependsOn, volumesFrom (CREATE) and links (START) become edges; stop order is the reverse")
    func graph() throws {
        let graph = try DependencyGraph(containers: Self.containers("""
            [{"name":"init"},{"name":"data"},{"name":"db"},
             {"name":"web","dependsOn":[{"containerName":"init","condition":"SUCCESS"},{"containerName":"db","condition":"HEALTHY"}],
              "volumesFrom":[{"sourceContainer":"data"}],"links":["db:database"]}]
            """))
        #expect(Set(graph.edges["web"]!) == [Dependency("init", .success), Dependency("db", .healthy), Dependency("data", .create), Dependency("db", .start)])
        #expect(graph.dependents(of: "db") == ["web"])
        var states = ["web": ContainerState(name: "web", known: .running), "db": ContainerState(name: "db", known: .running)]
        #expect(!DependencyRules.mayStop("db", graph: graph, containers: states), "db waits for web to stop")
        #expect(DependencyRules.mayStop("web", graph: graph, containers: states))
        states["web"]!.known = .stopped
        #expect(DependencyRules.mayStop("db", graph: graph, containers: states))
    }

    @Test("Graphs that cannot run are refused with TaskDependencyError", arguments: [
        (#"[{"name":"a","dependsOn":[{"containerName":"b","condition":"START"}]},{"name":"b","dependsOn":[{"containerName":"a","condition":"START"}]}]"#, "circular dependency"),
        (#"[{"name":"a","links":["b"]},{"name":"b","volumesFrom":[{"sourceContainer":"c"}]},{"name":"c","dependsOn":[{"containerName":"a","condition":"COMPLETE"}]}]"#, "circular dependency"),
        (#"[{"name":"a","dependsOn":[{"containerName":"a","condition":"START"}]}]"#, "depends on itself"),
        (#"[{"name":"a","links":["b:c:d"]},{"name":"b"}]"#, "is not name or name:alias"),
        (#"[{"name":"a","links":["nobody"]}]"#, "is not a container of the task"),
        (#"[{"name":"a","volumesFrom":[{"sourceContainer":"nobody"}]}]"#, "is not a container of the task"),
        (#"[{"name":"a","dependsOn":[{"containerName":"b","condition":"READY"}]},{"name":"b"}]"#, "expected START, COMPLETE, SUCCESS or HEALTHY"),
    ])
    func refused(json: String, reason: String) throws {
        #expect(throws: TaskDependencyError.self) { try DependencyGraph(containers: Self.containers(json)) }
        do { _ = try DependencyGraph(containers: Self.containers(json)) } catch { #expect("\(error)".contains(reason), "\(error)") }
    }

    func resolve(_ condition: DependencyCondition, _ dep: ContainerState, dependent: ContainerState = ContainerState(name: "web"),
                 target: ContainerStatus = .pulled, now: Double = 1000) -> DependencyResolution {
        DependencyRules.resolve(Dependency(dep.name, condition), for: dependent, target: target, in: [dep.name: dep, dependent.name: dependent], now: now)
    }

    @Test("Conditions resolve as engine.md §4.1 says")
    func conditions() {
        #expect(resolve(.create, ContainerState(name: "d", known: .created)) == .resolved)
        #expect(resolve(.create, ContainerState(name: "d", known: .pulled)) == .waiting("d CREATE"))
        #expect(resolve(.start, ContainerState(name: "d", known: .running)) == .resolved)
        #expect(resolve(.start, ContainerState(name: "d", known: .stopped, exitCode: 1)) == .resolved, "START counts a stopped dependency")
        #expect(resolve(.start, ContainerState(name: "d", known: .created), target: .created) == .resolved)
        #expect(resolve(.start, ContainerState(name: "d", known: .created), target: .running) == .waiting("d START"))
        #expect(resolve(.complete, ContainerState(name: "d", known: .stopped, exitCode: 3)) == .resolved)
        #expect(resolve(.complete, ContainerState(name: "d", known: .running)) == .waiting("d COMPLETE"))
        #expect(resolve(.success, ContainerState(name: "d", known: .stopped, exitCode: 0)) == .resolved)
        #expect(resolve(.healthy, ContainerState(name: "d", known: .running, health: .healthy, hasHealthCheck: true)) == .resolved)
        #expect(resolve(.healthy, ContainerState(name: "d", known: .running, health: .unknown, hasHealthCheck: true)) == .waiting("d HEALTHY"))
    }

    @Test("Unsatisfiable dependencies stop the dependent (exit 143) with a reason that names both containers")
    func unsatisfiable() {
        func isUnsatisfiable(_ r: DependencyResolution, _ text: String) -> Bool {
            if case .unsatisfiable(let reason) = r { return reason.hasPrefix("CannotStartContainerError") && reason.contains(text) }
            return false
        }
        #expect(DependencyRules.unsatisfiableExitCode == 143)
        #expect(isUnsatisfiable(resolve(.success, ContainerState(name: "d", known: .stopped, exitCode: 2)), "exited with 2"))
        #expect(isUnsatisfiable(resolve(.healthy, ContainerState(name: "d", known: .running)), "has no health check"))
        #expect(isUnsatisfiable(resolve(.start, ContainerState(name: "d", known: .created, desired: .stopped)), "will not start"))
        #expect(resolve(.start, ContainerState(name: "d", known: .created, desired: .stopped, applying: .running)) == .waiting("d START"),
                "a start in flight may still succeed")
        let missing = DependencyRules.resolve(Dependency("ghost", .start), for: ContainerState(name: "web"), target: .pulled, in: [:], now: 0)
        #expect(isUnsatisfiable(missing, "ghost"))
        // startTimeout: 10 s after the dependency started it is given up on (dependent not yet created).
        let slow = ContainerState(name: "d", known: .running, hasHealthCheck: true, startedAt: 100, startTimeout: 10)
        #expect(resolve(.healthy, slow, now: 105) == .waiting("d HEALTHY"))
        #expect(isUnsatisfiable(resolve(.healthy, slow, now: 111), "startTimeout of 10 s"))
        #expect(resolve(.healthy, slow, dependent: ContainerState(name: "web", known: .created), now: 111) == .waiting("d HEALTHY"),
                "the timeout only applies before the dependent is created")
    }
}
