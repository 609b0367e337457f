public import ECSModel

public struct VolumeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where each task volume comes from and what happens to it (engine.md §10). Pure: the engine
/// creates, checks and removes what the plan says.
public struct VolumePlan: Sendable, Equatable {
    public enum Source: Sendable, Hashable {
        /// A host path, bind-mounted; never created or removed by the agent.
        case bind(path: String)
        /// A Docker volume made for this task (scratch volumes: driver `local`); removed at cleanup.
        case task(dockerName: String, driver: String, options: [String: String], labels: [String: String])
        /// A Docker volume shared between tasks under its own name; created only with
        /// autoprovision, never removed.
        case shared(name: String, autoprovision: Bool, driver: String, options: [String: String], labels: [String: String])
    }

    /// Task volume name → its source.
    public let volumes: [String: Source]

    /// `suffix` makes task-scoped Docker names unique (20 hex characters, as for containers).
    public init(task: ACSTask, suffix: () -> String) throws(VolumeError) {
        var out: [String: Source] = [:]
        let prefix = "ecs-\(task.family ?? "")-\(task.version ?? "")-"
        for v in task.volumes ?? [] {
            guard let name = v.name, !name.isEmpty else { throw VolumeError("a task volume has no name") }
            switch v.type ?? "host" {
            case "host", "":
                guard let host = v.host else { throw VolumeError("volume \(name): a host volume needs a host object") }
                if let path = host.sourcePath, !path.isEmpty {
                    out[name] = .bind(path: path)
                } else {
                    out[name] = .task(dockerName: prefix + name + "-" + suffix(), driver: "local", options: [:], labels: [:])
                }
            case "docker":
                let c = v.dockerVolumeConfiguration
                let driver = c?.driver.flatMap { $0.isEmpty ? nil : $0 } ?? "local"
                switch c?.scope ?? "task" {
                case "task":
                    if c?.autoprovision == true { throw VolumeError("volume \(name): autoprovision applies only to shared volumes") }
                    out[name] = .task(dockerName: prefix + name + "-" + suffix(), driver: driver, options: c?.driverOpts ?? [:], labels: c?.labels ?? [:])
                case "shared":
                    out[name] = .shared(name: name, autoprovision: c?.autoprovision ?? false, driver: driver, options: c?.driverOpts ?? [:], labels: c?.labels ?? [:])
                case let scope:
                    throw VolumeError("volume \(name): scope \(scope) is not task or shared")
                }
            case let type:
                throw VolumeError("volume \(name): type \(type) is not supported by this agent")
            }
        }
        volumes = out
    }

    /// The container's `Binds`: `<source>:<containerPath>[:ro]` per mount point.
    public func binds(for container: ACSContainer) throws(VolumeError) -> [String] {
        try (container.mountPoints ?? []).map { m throws(VolumeError) in
            guard let volume = m.sourceVolume, let source = volumes[volume] else {
                throw VolumeError("CannotCreateContainerError: Invalid volume referenced: \(m.sourceVolume ?? "(none)") in container \(container.name ?? "")")
            }
            guard let path = m.containerPath, !path.isEmpty else {
                throw VolumeError("CannotCreateContainerError: invalid path: mount of \(volume) in container \(container.name ?? "") has no containerPath")
            }
            let from: String = switch source {
            case .bind(let p): p
            case .task(let n, _, _, _): n
            case .shared(let n, _, _, _, _): n
            }
            return "\(from):\(path)\(m.readOnly == true ? ":ro" : "")"
        }
    }

    /// Docker volumes to remove when the task is cleaned up (task scope only).
    public var removedAtCleanup: [String] {
        volumes.values.compactMap { if case .task(let n, _, _, _) = $0 { n } else { nil } }.sorted()
    }
}
