import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite("Volume plan")
struct VolumePlanTests {
    static func task(_ json: String) throws -> ACSTask { try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8)) }

    @Test("Bind mounts, scratch volumes and task/shared Docker volumes get their sources; only task scope is removed at cleanup")
    func kinds() throws {
        let task = try Self.task("""
            {"family":"web","version":"3","volumes":[
              {"name":"logs","type":"host","host":{"sourcePath":"/var/log/web"}},
              {"name":"scratch","host":{}},
              {"name":"cache","type":"docker","dockerVolumeConfiguration":{"scope":"task","driver":"local","driverOpts":{"type":"tmpfs","device":"tmpfs"},"labels":{"a":"b"}}},
              {"name":"shared","type":"docker","dockerVolumeConfiguration":{"scope":"shared","autoprovision":true}}],
             "containers":[{"name":"app","mountPoints":[{"sourceVolume":"logs","containerPath":"/logs"},{"sourceVolume":"scratch","containerPath":"/tmp/s","readOnly":true},
                                                       {"sourceVolume":"cache","containerPath":"/cache"},{"sourceVolume":"shared","containerPath":"/shared"}]}]}
            """)
        var n = 0
        let plan = try VolumePlan(task: task) { n += 1; return String(repeating: String(n), count: 20) }
        #expect(plan.volumes["logs"] == .bind(path: "/var/log/web"))
        #expect(plan.volumes["shared"] == .shared(name: "shared", autoprovision: true, driver: "local", options: [:], labels: [:]))
        guard case .task(let cache, "local", let options, let labels)? = plan.volumes["cache"] else { Issue.record("cache is not task-scoped"); return }
        #expect(cache.hasPrefix("ecs-web-3-cache-") && options["type"] == "tmpfs" && labels == ["a": "b"])
        let binds = try plan.binds(for: task.containers![0])
        #expect(binds[0] == "/var/log/web:/logs")
        #expect(binds[1].hasPrefix("ecs-web-3-scratch-") && binds[1].hasSuffix(":/tmp/s:ro"))
        #expect(binds[3] == "shared:/shared")
        #expect(plan.removedAtCleanup.count == 2 && plan.removedAtCleanup.allSatisfy { $0.hasPrefix("ecs-web-3-") })
    }

    @Test("Invalid volumes and mounts are refused with a reason", arguments: [
        (#"{"volumes":[{"name":"v","type":"host"}]}"#, "needs a host object"),
        (#"{"volumes":[{"name":"v","type":"docker","dockerVolumeConfiguration":{"scope":"task","autoprovision":true}}]}"#, "only to shared"),
        (#"{"volumes":[{"name":"v","type":"efs"}]}"#, "type efs is not supported"),
        (#"{"volumes":[{"name":"v","type":"docker","dockerVolumeConfiguration":{"scope":"global"}}]}"#, "scope global"),
        (#"{"volumes":[{"name":"v","host":{}}],"containers":[{"name":"c","mountPoints":[{"sourceVolume":"w","containerPath":"/x"}]}]}"#, "Invalid volume referenced: w"),
        (#"{"volumes":[{"name":"v","host":{}}],"containers":[{"name":"c","mountPoints":[{"sourceVolume":"v","containerPath":""}]}]}"#, "invalid path"),
    ])
    func refused(json: String, reason: String) throws {
        let task = try Self.task(json)
        do {
            let plan = try VolumePlan(task: task) { "0" }
            for c in task.containers ?? [] { _ = try plan.binds(for: c) }
            Issue.record("expected a refusal containing \(reason)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }
}
