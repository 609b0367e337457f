import HostSystem
import Logging
import TaskEngine

/// Task cgroups for Docker's `systemd` cgroup driver (engine.md §7.6, config.md §8): each task a
/// transient slice `ecstasks-<task-id>.slice` (under `ecstasks.slice`) made through systemd's
/// manager with the task's limits as unit properties, as the reference agent does. Containers
/// get the slice's name as `CgroupParent`, and runc asks systemd for their scopes in it.
///
/// systemd, not the agent, owns the cgroup files under its driver: writing them directly would
/// be undone at the next `daemon-reload`. A slice outlives an agent restart (it is systemd's
/// state); re-creating it finds it there and sets its properties again.
struct TaskCgroupSystemd: TaskCgroups {
    let manager: SystemdManager
    /// cgroup v2 (the unified hierarchy): weights instead of shares.
    let unified: Bool
    let logger: Logger

    func create(taskID: String, limits: TaskCgroupLimits) throws -> String {
        let name = Self.sliceName(taskID: taskID)
        let properties = Self.properties(limits, unified: unified)
        do {
            try manager.startTransientUnit(name, mode: "fail",
                                           properties: [.string("Description", "ECS task \(taskID)")] + properties)
        } catch let failure as SystemdManager.Failure where failure.isUnitExists {
            // Made before a restart of the agent: the same limits again, at runtime only.
            try manager.setUnitProperties(name, runtime: true, properties: properties)
        }
        return name
    }

    func remove(taskID: String) {
        let name = Self.sliceName(taskID: taskID)
        do {
            try manager.stopUnit(name, mode: "replace")
        } catch let failure as SystemdManager.Failure where failure.isNoSuchUnit {
            // Already gone: stopped before, or systemd restarted since.
        } catch {
            logger.warning("could not remove the task slice", metadata: ["slice": "\(name)", "error": "\(error)"])
        }
    }

    /// `ecstasks-<id>.slice`; a `-` in the ID would make systemd read a deeper parent slice, so it
    /// is escaped as systemd escapes it (`\x2d`). ECS task IDs are hex and pass unchanged.
    static func sliceName(taskID: String) -> String {
        "ecstasks-" + taskID.replacingDashes() + ".slice"
    }

    /// The unit properties for the task's limits. systemd's default CFS period is 100 ms, so
    /// the period is sent only when ECS_CGROUP_CPU_PERIOD asks for another (CPUQuotaPeriodUSec
    /// needs systemd 242).
    static func properties(_ limits: TaskCgroupLimits, unified: Bool) -> [SystemdManager.Property] {
        var p: [SystemdManager.Property] = []
        if let quota = limits.cpuQuotaMicros, limits.cpuPeriodMicros > 0 {
            p.append(.uint64("CPUQuotaPerSecUSec", UInt64(quota) * 1_000_000 / UInt64(limits.cpuPeriodMicros)))
            if limits.cpuPeriodMicros != 100_000 { p.append(.uint64("CPUQuotaPeriodUSec", UInt64(limits.cpuPeriodMicros))) }
        }
        if let shares = limits.cpuShares {
            // cgroup v2 weight from v1 shares, as runc converts them.
            p.append(unified ? .uint64("CPUWeight", UInt64(1 + ((shares - 2) * 9999) / 262_142)) : .uint64("CPUShares", UInt64(shares)))
        }
        if let memory = limits.memoryBytes { p.append(.uint64("MemoryMax", UInt64(memory))) }
        if let pids = limits.pids { p.append(.uint64("TasksMax", UInt64(pids))) }
        return p
    }
}

private extension String {
    func replacingDashes() -> String {
        var out = ""
        for c in self { out += c == "-" ? "\\x2d" : String(c) }
        return out
    }
}
