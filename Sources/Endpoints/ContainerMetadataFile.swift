public import ECSModel

/// `ecs-container-metadata.json` (ECS_ENABLE_CONTAINER_METADATA, endpoints.md §6): tab-indented,
/// every field omitted when empty, "READY" once Docker's view is in.
public enum ContainerMetadataFile {
    public struct Port: Sendable, Equatable {
        public var containerPort: Int
        public var hostPort: Int
        public var bindIP: String
        public var proto: String
        public init(containerPort: Int, hostPort: Int, bindIP: String, proto: String) {
            self.containerPort = containerPort
            self.hostPort = hostPort
            self.bindIP = bindIP
            self.proto = proto
        }
    }

    /// What Docker says once the container runs (nil for the initial file).
    public struct Ready: Sendable {
        public var containerID: String
        /// Docker's `Name`, with its leading `/`.
        public var dockerName: String
        public var imageID: String
        public var imageName: String
        public var ports: [Port]
        public var facts: ContainerFacts
        public init(containerID: String, dockerName: String, imageID: String, imageName: String, ports: [Port], facts: ContainerFacts) {
            self.containerID = containerID
            self.dockerName = dockerName
            self.imageID = imageID
            self.imageName = imageName
            self.ports = ports
            self.facts = facts
        }
    }

    public static func render(agent: AgentFacts, task: ACSTask, containerName: String, ready: Ready?,
                              hostPrivateIPv4: String = "", hostPublicIPv4: String = "") -> String {
        var f = GoFields()
        f.add("Cluster", omitEmpty: .string(agent.cluster))
        f.add("ContainerInstanceARN", omitEmpty: .string(agent.containerInstanceArn ?? ""))
        f.add("TaskARN", omitEmpty: .string(task.arn ?? ""))
        f.add("TaskDefinitionFamily", omitEmpty: .string(task.family ?? ""))
        f.add("TaskDefinitionRevision", omitEmpty: .string(task.version ?? ""))
        f.add("ContainerID", omitEmpty: .string(ready?.containerID ?? ""))
        f.add("ContainerName", omitEmpty: .string(containerName))
        f.add("DockerContainerName", omitEmpty: .string(ready?.dockerName ?? ""))
        f.add("ImageID", omitEmpty: .string(ready?.imageID ?? ""))
        f.add("ImageName", omitEmpty: .string(ready?.imageName ?? ""))
        f.add("PortMappings", omitEmpty: .array((ready?.ports ?? []).map { p in
            .object([("ContainerPort", .int(Int64(p.containerPort))), ("ContainerPortRange", .string("")), ("HostPort", .int(Int64(p.hostPort))),
                     ("BindIp", .string(p.bindIP)), ("Protocol", .string(p.proto))])
        }))
        f.add("Networks", omitEmpty: ready.map { .array(TaskViews.networks($0.facts, .v4)) })
        f.add("MetadataFileStatus", omitEmpty: .string(ready == nil ? "" : "READY"))
        f.add("AvailabilityZone", omitEmpty: .string(agent.availabilityZone))
        f.add("HostPrivateIPv4Address", omitEmpty: .string(hostPrivateIPv4))
        f.add("HostPublicIPv4Address", omitEmpty: .string(hostPublicIPv4))
        return f.json.indentedText
    }
}
