import TaskEngine
#if canImport(Glibc)
import Glibc
#endif

/// Task cgroups on cgroupfs (engine.md §7.6), for Docker's `cgroupfs` driver: cgroup v1
/// `<root>/{cpu,memory,pids}/ecs/<task-id>`, or on the unified hierarchy `<root>/ecs/<task-id>`
/// with the cpu, memory and pids controllers enabled down to it. The containers' `CgroupParent`
/// is `/ecs/<task-id>`; Docker makes their own cgroups beneath it.
struct TaskCgroupFS: TaskCgroups {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let root: String
    let unified: Bool

    /// Nil when the host has neither layout under `root` (the feature is then off, with a warning).
    init?(root: String) {
        self.root = root
        if access(root + "/cgroup.controllers", F_OK) == 0 {
            unified = true
        } else if access(root + "/cpu", F_OK) == 0 && access(root + "/memory", F_OK) == 0 {
            unified = false
        } else {
            return nil
        }
    }

    func create(taskID: String, limits: TaskCgroupLimits) throws -> String {
        if unified {
            let dir = root + "/ecs/" + taskID
            try Self.makeDirectory(root + "/ecs")
            try Self.write(root + "/cgroup.subtree_control", "+cpu +memory +pids", optional: true)
            try Self.write(root + "/ecs/cgroup.subtree_control", "+cpu +memory +pids", optional: true)
            try Self.makeDirectory(dir)
            if let quota = limits.cpuQuotaMicros { try Self.write(dir + "/cpu.max", "\(quota) \(limits.cpuPeriodMicros)") }
            // cgroup v2 weight from v1 shares, as runc converts them.
            if let shares = limits.cpuShares { try Self.write(dir + "/cpu.weight", String(1 + ((shares - 2) * 9999) / 262_142)) }
            if let memory = limits.memoryBytes { try Self.write(dir + "/memory.max", String(memory)) }
            if let pids = limits.pids { try Self.write(dir + "/pids.max", String(pids)) }
        } else {
            try Self.makeDirectory(root + "/memory/ecs")
            try Self.write(root + "/memory/ecs/memory.use_hierarchy", "1", optional: true)
            for controller in ["cpu", "memory"] + (limits.pids != nil ? ["pids"] : []) {
                try Self.makeDirectory("\(root)/\(controller)/ecs")
                try Self.makeDirectory("\(root)/\(controller)/ecs/\(taskID)")
            }
            let cpu = "\(root)/cpu/ecs/\(taskID)", memoryDir = "\(root)/memory/ecs/\(taskID)"
            if let quota = limits.cpuQuotaMicros {
                try Self.write(cpu + "/cpu.cfs_period_us", String(limits.cpuPeriodMicros))
                try Self.write(cpu + "/cpu.cfs_quota_us", String(quota))
            }
            if let shares = limits.cpuShares { try Self.write(cpu + "/cpu.shares", String(shares)) }
            if let memory = limits.memoryBytes { try Self.write(memoryDir + "/memory.limit_in_bytes", String(memory)) }
            if let pids = limits.pids { try Self.write("\(root)/pids/ecs/\(taskID)/pids.max", String(pids)) }
        }
        return "/ecs/" + taskID
    }

    func remove(taskID: String) {
        let dirs = unified ? ["\(root)/ecs/\(taskID)"] : ["cpu", "memory", "pids", "cpuacct", "blkio", "devices", "freezer", "cpuset"].map { "\(root)/\($0)/ecs/\(taskID)" }
        for dir in dirs { _ = rmdir(dir) }
    }

    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Failure(description: "mkdir \(path): \(String(cString: strerror(errno)))") }
    }

    /// cgroup files take one plain write (no temporary file and rename).
    static func write(_ path: String, _ value: String, optional: Bool = false) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else {
            if optional { return }
            throw Failure(description: "open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        if Glibc.write(fd, bytes, bytes.count) != bytes.count && !optional {
            throw Failure(description: "write \(value) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
