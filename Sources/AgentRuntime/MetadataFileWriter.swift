import DockerEngine
import ECSModel
import Endpoints
import Logging
import PosixFiles
import TaskEngine
#if canImport(Glibc)
import Glibc
#endif

/// Writes `ecs-container-metadata.json` for each container under
/// `<ECS_DATADIR>/metadata/<cluster>/<task id>/<container>/`, which the container sees at
/// `/opt/ecs/metadata/<uuid>/` (endpoints.md §6); the task's directory goes at cleanup.
struct MetadataFileWriter: ContainerMetadataFiles {
    let root: String
    let docker: DockerClient
    let agent: @Sendable () -> AgentFacts
    let logger: Logger
    static let fileName = "ecs-container-metadata.json"

    /// `arn:...:task/<cluster>/<id>` → `<cluster>/<id>` (old-style ARNs: `<id>`).
    static func taskPart(_ arn: String) -> String {
        let resource = arn.split(separator: ":", maxSplits: 5).last.map(String.init) ?? arn
        guard let slash = resource.firstIndex(of: "/") else { return resource }
        return String(resource[resource.index(after: slash)...])
    }

    func directory(_ task: ACSTask, _ container: ACSContainer) -> String {
        root + "/" + Self.taskPart(task.arn ?? "") + "/" + (container.name ?? "")
    }

    func prepare(task: ACSTask, container: ACSContainer) -> (bind: String, environment: [String: String])? {
        let dir = directory(task, container)
        do {
            try PosixFile.makeDirectory(dir)
            // Readable by a container that runs as another user (the reference: 0777 before umask).
            chmod(dir, 0o755)
            try PosixFile.atomicWrite(dir + "/" + Self.fileName, ContainerMetadataFile.render(agent: agent(), task: task, containerName: container.name ?? "", ready: nil))
        } catch {
            logger.warning("container metadata file not written; the container is created without it",
                           metadata: ["container": "\(container.name ?? "")", "error": "\(error)"])
            return nil
        }
        var generator = SystemRandomNumberGenerator()
        let mount = "/opt/ecs/metadata/" + EndpointID.random(using: &generator)
        return (dir + ":" + mount, ["ECS_CONTAINER_METADATA_FILE": mount + "/" + Self.fileName])
    }

    func started(task: ACSTask, container: ACSContainer, dockerID: String) async {
        guard let inspect = try? await docker.inspectContainer(dockerID), inspect.state?.running == true else { return }
        var ports: [ContainerMetadataFile.Port] = []
        for (key, bindings) in (inspect.networkSettings?.ports ?? [:]).sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/")
            guard let containerPort = parts.first.flatMap({ Int($0) }) else { continue }
            for b in bindings ?? [] {
                ports.append(.init(containerPort: containerPort, hostPort: Int(b.hostPort ?? "") ?? 0, bindIP: b.hostIp ?? "",
                                   proto: parts.count > 1 ? String(parts[1]) : "tcp"))
            }
        }
        let ready = ContainerMetadataFile.Ready(containerID: inspect.id, dockerName: inspect.name ?? "", imageID: inspect.image ?? "",
                                                imageName: inspect.config?.image ?? "", ports: ports, facts: DockerContainerFacts.facts(inspect))
        let path = directory(task, container) + "/" + Self.fileName
        do {
            try PosixFile.atomicWrite(path, ContainerMetadataFile.render(agent: agent(), task: task, containerName: container.name ?? "", ready: ready))
        } catch {
            logger.warning("container metadata file not updated", metadata: ["container": "\(container.name ?? "")", "error": "\(error)"])
        }
    }

    func remove(task: ACSTask) {
        let dir = root + "/" + Self.taskPart(task.arn ?? "")
        do { try PosixFile.removeTree(dir) } catch {
            logger.warning("container metadata directory not removed", metadata: ["path": "\(dir)", "error": "\(error)"])
        }
    }
}
