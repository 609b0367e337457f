@testable import AgentRuntime
import ECSModel
import Foundation
import HostSystem
import TaskEngine
import Testing

/// The systemd slice's name and properties. The calls themselves go to a real systemd in the
/// package tier (scripts/systemd-driver-test), where dockerd runs with the systemd driver.
@Suite struct TaskCgroupSystemdTests {
    static func task(cpu: Double?, memory: Int?, containers: String) throws -> ACSTask {
        var task = try JSONDecoder().decode(ACSTask.self, from: Data(#"{"arn":"arn:aws:ecs:us-west-2:1:task/c/0123abcd","family":"f","version":"1","containers":\#(containers)}"#.utf8))
        task.cpu = cpu
        task.memory = memory
        return task
    }

    @Test("The slice is ecstasks-<task-id>.slice, and a dash in an ID is escaped so it names no deeper parent")
    func sliceName() {
        #expect(TaskCgroupSystemd.sliceName(taskID: "0123abcd") == "ecstasks-0123abcd.slice")
        #expect(TaskCgroupSystemd.sliceName(taskID: "a-b") == #"ecstasks-a\x2db.slice"#)
    }

    @Test("Task cpu is a quota per second, with the period only when it is not systemd's 100 ms; memory is MemoryMax in bytes")
    func quotaAndMemory() throws {
        let limits = try TaskCgroupLimits(task: Self.task(cpu: 0.25, memory: 64, containers: #"[{"name":"a","image":"i"}]"#), pidsLimit: 100)
        #expect(TaskCgroupSystemd.properties(limits, unified: false) == [
            .uint64("CPUQuotaPerSecUSec", 250_000), .uint64("MemoryMax", 64 << 20), .uint64("TasksMax", 100),
        ])
        let shortPeriod = try TaskCgroupLimits(task: Self.task(cpu: 1.5, memory: nil, containers: #"[{"name":"a","image":"i"}]"#),
                                               cpuPeriod: .milliseconds(20))
        #expect(TaskCgroupSystemd.properties(shortPeriod, unified: true) == [
            .uint64("CPUQuotaPerSecUSec", 1_500_000), .uint64("CPUQuotaPeriodUSec", 20_000),
        ])
    }

    @Test("Without task cpu, the containers' shares are CPUShares on cgroup v1 and runc's weight on v2")
    func sharesAndWeight() throws {
        let limits = try TaskCgroupLimits(task: Self.task(cpu: nil, memory: nil, containers: #"[{"name":"a","image":"i","cpu":1024},{"name":"b","image":"i"}]"#))
        #expect(TaskCgroupSystemd.properties(limits, unified: false) == [.uint64("CPUShares", 1026)])
        // runc: 1 + ((1026 - 2) × 9999) / 262142 = 40.
        #expect(TaskCgroupSystemd.properties(limits, unified: true) == [.uint64("CPUWeight", 40)])
    }

    @Test("A failed call names the method, the unit and systemd's error, and tells 'exists' from 'no such unit'")
    func failureText() {
        let failure = SystemdManager.Failure(operation: "StartTransientUnit ecstasks-x.slice",
                                             errorName: "org.freedesktop.systemd1.UnitExists", message: "Unit ecstasks-x.slice already exists.")
        #expect(failure.isUnitExists && !failure.isNoSuchUnit)
        #expect(failure.description == "systemd StartTransientUnit ecstasks-x.slice: org.freedesktop.systemd1.UnitExists: Unit ecstasks-x.slice already exists.")
    }

    @Test("Placement follows dockerd's driver: cgroupfs needs a hierarchy under ECS_CGROUP_PATH, systemd needs the manager, other drivers and the key off say so")
    func placement() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("placement-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        guard case .unavailable(let reason, let fix) = TaskCgroupPlacement.choose(enabled: true, root: dir, dockerCgroupDriver: "cgroupfs") else {
            Issue.record("an empty directory is no cgroup hierarchy"); return
        }
        #expect(reason.contains(dir) && fix.contains("ECS_CGROUP_PATH"))

        _ = FileManager.default.createFile(atPath: dir + "/cgroup.controllers", contents: Data("cpu memory pids\n".utf8))
        guard case .cgroupfs(let root) = TaskCgroupPlacement.choose(enabled: true, root: dir, dockerCgroupDriver: nil) else {
            Issue.record("a v2 hierarchy with no driver named is cgroupfs"); return
        }
        #expect(root == dir)

        // Neither socket exists: what a host without systemd looks like to the agent.
        let absent = { SystemdManager(timeout: .seconds(2), privateSocket: dir + "/no-private", systemBus: "unix:path=\(dir)/no-bus") }
        guard case .unavailable(let why, let what) = TaskCgroupPlacement.choose(enabled: true, root: dir, dockerCgroupDriver: "systemd", systemd: absent) else {
            Issue.record("no systemd answers, so no slices"); return
        }
        #expect(why.contains("systemd cgroup driver") && why.contains("does not answer") && what.contains("ECS_ENABLE_TASK_CPU_MEM_LIMIT=false"))

        guard case .unavailable(let other, _) = TaskCgroupPlacement.choose(enabled: true, root: dir, dockerCgroupDriver: "weird") else {
            Issue.record("an unknown driver gets no task cgroups"); return
        }
        #expect(other.contains("weird"))
        guard case .disabled = TaskCgroupPlacement.choose(enabled: false, root: dir, dockerCgroupDriver: "systemd", systemd: absent) else {
            Issue.record("the key off means no task cgroups"); return
        }
    }
}
