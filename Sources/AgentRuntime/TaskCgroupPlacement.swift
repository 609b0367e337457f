import HostSystem
import Logging
import TaskEngine
#if canImport(Glibc)
import Glibc
#endif

/// Where task cgroups go under dockerd's cgroup driver (engine.md §7.6), or why they cannot be
/// made: the agent's start-up and `ecs-agent doctor` ask the same question.
enum TaskCgroupPlacement {
    /// `/ecs/<task-id>` directories on cgroupfs (Docker's cgroupfs driver).
    case cgroupfs(root: String)
    /// Transient slices `ecstasks-<task-id>.slice` (Docker's systemd driver); systemd answered.
    case systemd(SystemdManager, unified: Bool)
    /// Task-level cpu and memory are not enforced, for this reason; `fix` says what would help.
    case unavailable(reason: String, fix: String)
    /// ECS_ENABLE_TASK_CPU_MEM_LIMIT=false.
    case disabled

    static func choose(enabled: Bool, root: String, dockerCgroupDriver driver: String?,
                       systemd: () -> SystemdManager = { SystemdManager() }) -> TaskCgroupPlacement {
        guard enabled else { return .disabled }
        let unified = access(root + "/cgroup.controllers", F_OK) == 0
        switch driver {
        case nil, "cgroupfs":
            guard TaskCgroupFS(root: root) != nil else {
                return .unavailable(reason: "no cgroup hierarchy (v1 cpu and memory, or v2) under \(root)",
                                    fix: "set ECS_CGROUP_PATH to where the cgroup filesystem is mounted")
            }
            return .cgroupfs(root: root)
        case "systemd":
            let manager = systemd()
            do {
                try manager.connect()
            } catch {
                return .unavailable(reason: "Docker uses the systemd cgroup driver but systemd's manager does not answer: \(error)",
                                    fix: "run the agent as root on a host booted with systemd, or set ECS_ENABLE_TASK_CPU_MEM_LIMIT=false")
            }
            return .systemd(manager, unified: unified)
        case let other?:
            return .unavailable(reason: "Docker's cgroup driver \(other) is neither cgroupfs nor systemd",
                                fix: "configure dockerd with native.cgroupdriver=cgroupfs or systemd")
        }
    }

    /// The engine's `TaskCgroups`, nil when there are none.
    func cgroups(logger: Logger) -> (any TaskCgroups)? {
        switch self {
        case .cgroupfs(let root): TaskCgroupFS(root: root)
        case .systemd(let manager, let unified): TaskCgroupSystemd(manager: manager, unified: unified, logger: logger)
        case .unavailable, .disabled: nil
        }
    }

    /// One line for doctor and the logs.
    var summary: String {
        switch self {
        case .cgroupfs(let root): "cgroupfs: /ecs/<task-id> under \(root)"
        case .systemd(_, let unified): "systemd: transient slices ecstasks-<task-id>.slice (cgroup v\(unified ? 2 : 1))"
        case .unavailable(let reason, _): reason
        case .disabled: "off (ECS_ENABLE_TASK_CPU_MEM_LIMIT=false): task cpu and memory are not enforced"
        }
    }
}
