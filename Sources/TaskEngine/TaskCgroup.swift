public import ECSModel

/// The task cgroup's limits (engine.md §7.6), from the task's cpu and memory.
public struct TaskCgroupLimits: Sendable, Equatable {
    /// CFS quota and period in µs, when the task has a cpu limit.
    public var cpuQuotaMicros: Int?
    public var cpuPeriodMicros: Int
    /// cpu.shares when it has none: Σ max(container cpu, 2), capped.
    public var cpuShares: Int?
    public var memoryBytes: Int64?
    public var pids: Int?

    public init(task: ACSTask, cpuPeriod: Duration = .milliseconds(100), pidsLimit: Int = 0) throws(CreateRequestError) {
        let (seconds, attoseconds) = cpuPeriod.components
        cpuPeriodMicros = Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
        if let cpu = task.cpu, cpu > 0 {
            cpuQuotaMicros = Int((cpu * Double(cpuPeriodMicros)).rounded())
        } else {
            cpuShares = min(CreateRequest.maximumShares, (task.containers ?? []).reduce(0) { $0 + max($1.cpu ?? 0, CreateRequest.minimumShares) })
        }
        if let memory = task.memory, memory > 0 {
            memoryBytes = Int64(memory) << 20
            for c in task.containers ?? [] where (c.memory ?? 0) > memory {
                throw CreateRequestError("CannotCreateContainerError: container \(c.name ?? "") has a memory limit of \(c.memory!) MiB, above the task's \(memory) MiB")
            }
        }
        pids = pidsLimit > 0 ? pidsLimit : nil
    }

    /// The task id: the last part of its ARN.
    public static func taskID(_ arn: String) -> String { String(arn.split(separator: "/").last ?? Substring(arn)) }
}

/// Where task cgroups are made (cgroupfs in the agent).
public protocol TaskCgroups: Sendable {
    /// Makes the task's cgroup with these limits; returns the `CgroupParent` of its containers.
    func create(taskID: String, limits: TaskCgroupLimits) throws -> String
    /// Removes it; one already gone is not an error.
    func remove(taskID: String)
}
