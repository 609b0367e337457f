public import ECSModel

/// A container as the runtime reports it (Docker inspect or list, reduced to what the engine uses).
public struct RuntimeContainer: Sendable, Equatable {
    public enum State: String, Sendable { case created, running, paused, restarting, removing, exited, dead }

    public var id: String
    public var name: String
    public var labels: [String: String]
    public var state: State
    public var exitCode: Int?
    public var oomKilled: Bool
    /// Seconds since the epoch; nil when never started.
    public var startedAt: Double?
    public var health: ContainerState.Health
    /// `NetworkSettings.Ports`, keyed `"<port>/<proto>"`.
    public var ports: [String: [NetworkBindings.Published]]
    public var imageID: String?

    public init(id: String, name: String, labels: [String: String] = [:], state: State, exitCode: Int? = nil, oomKilled: Bool = false,
                startedAt: Double? = nil, health: ContainerState.Health = .unknown, ports: [String: [NetworkBindings.Published]] = [:],
                imageID: String? = nil) {
        self.id = id
        self.name = name
        self.labels = labels
        self.state = state
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.startedAt = startedAt
        self.health = health
        self.ports = ports
        self.imageID = imageID
    }
}

/// A container event from the runtime's event stream.
public struct RuntimeEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case created, started, died(exitCode: Int?), healthy, unhealthy, destroyed
    }
    public var containerID: String
    public var kind: Kind
    /// The container's labels, as the event carries them (task ARN and container name).
    public var labels: [String: String]

    public init(containerID: String, kind: Kind, labels: [String: String]) {
        self.containerID = containerID
        self.kind = kind
        self.labels = labels
    }
}

/// The engine's only way to the container runtime (Docker in production, a fake in unit
/// tests). Every call has its own deadline in the implementation.
public protocol ContainerRuntime: Sendable {
    func pullImage(_ reference: String, login: RegistryLogin?) async throws
    /// What the engine reads of a local image (one inspect), or nil when it is not present.
    func inspectImage(_ reference: String) async throws -> ImageFacts?
    /// Creates a container; returns its id. A name already taken is `RuntimeError.conflict`.
    func createContainer(name: String, body: JSONValue) async throws -> String
    func startContainer(_ id: String) async throws
    func stopContainer(_ id: String, timeout: Duration) async throws
    /// nil when no container has this id or name.
    func inspectContainer(_ idOrName: String) async throws -> RuntimeContainer?
    func removeContainer(_ id: String, force: Bool) async throws
    /// Containers carrying `label=value`, running or not.
    func listContainers(label: String, value: String) async throws -> [RuntimeContainer]
    func createVolume(name: String, driver: String, options: [String: String], labels: [String: String]) async throws
    func volumeExists(_ name: String) async throws -> Bool
    func removeVolume(_ name: String) async throws
    /// Removes an image by name; "no such image" is not an error.
    func removeImage(_ reference: String) async throws
    /// Container events for as long as the caller iterates; `onResume` runs after the stream
    /// reconnected (the runtime may have changed while it was away).
    func events(onResume: @escaping @Sendable () -> Void) -> AsyncThrowingStream<RuntimeEvent, any Error>
    /// Whether the runtime answers at all (a failed stop is treated differently when it does).
    func isAlive() async -> Bool
}

/// A local image as the engine needs it: its environment variable names (so the region is not
/// overridden) and its repository digests (`name@sha256:...`, the digest reported to ECS).
public struct ImageFacts: Sendable, Equatable {
    public var environment: Set<String>
    public var repoDigests: [String]
    public init(environment: Set<String>, repoDigests: [String] = []) {
        self.environment = environment
        self.repoDigests = repoDigests
    }

    /// The digest of `reference`'s repository among the repo digests (engine.md §6.1): an image
    /// named by digest is its own answer; no digest for the repository (a locally built image)
    /// is none.
    public func digest(of reference: String) -> String? {
        ImageName.digest(of: reference, repoDigests: repoDigests)
    }
}

public enum RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    case conflict(String)
    /// Docker has no such image for a create; `message` is Docker's own words.
    case noSuchImage(image: String, message: String)

    public var description: String {
        switch self {
        case .conflict(let name): "the container name \(name) is already in use"
        case .noSuchImage(_, let message): message
        }
    }
}

/// Where the engine keeps its task records and hands state changes to the control plane.
/// `save` with changes is one transaction: a change is recorded exactly when the record that
/// says it was sent is.
public protocol EngineStore: Sendable {
    func save(_ record: TaskRecord, changes: [TaskStateChangeRequest]) async throws
    func delete(taskArn: String) async throws
    func loadAll() async throws -> [TaskRecord]
    /// Whether every change recorded for the task has been accepted by the control plane.
    func allDelivered(taskArn: String) async -> Bool
}

/// Secrets (SSM Parameter Store, Secrets Manager) and S3 environment files of a container,
/// fetched with the task's execution role credentials just before the container is created.
/// Nothing it returns is saved.
public protocol SecretsSource: Sendable {
    func environment(task: ACSTask, container: ACSContainer, credentials: IAMRoleCredentials?) async throws -> ContainerSecrets
}

public struct ContainerSecrets: Sendable, Equatable {
    /// From environment files: below the container's own environment.
    public var files: [String: String]
    /// From secrets: above it.
    public var secrets: [String: String]
    public init(files: [String: String] = [:], secrets: [String: String] = [:]) {
        self.files = files
        self.secrets = secrets
    }
}

/// Why a container's secrets or environment files could not be fetched; it is not created.
public struct SecretsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Pull credentials a container's `registryAuthentication` names: an ECR authorization token
/// (with the execution role, or the instance's own credentials) or a Secrets Manager secret
/// holding `username` and `password` (engine.md §6.4). Asked only when a pull is about to
/// happen, so a cached image under prefer-cached needs no token.
public protocol RegistryCredentialsSource: Sendable {
    func login(_ authentication: RegistryAuthentication, image: String, executionCredentials: IAMRoleCredentials?) async throws(RegistryAuthError) -> RegistryLogin
}

/// Why pull credentials could not be had; `reason` starts with the reference agent's error
/// name (CannotPullECRContainerError, CannotPullContainerAuthError).
public struct RegistryAuthError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
    public init(_ reason: String) { self.reason = reason }
}

/// `ecs-container-metadata.json` per container (ECS_ENABLE_CONTAINER_METADATA).
public protocol ContainerMetadataFiles: Sendable {
    /// Before the create: writes the initial file; the bind and the variable the container gets,
    /// nil when the file could not be written (the container is created without them).
    func prepare(task: ACSTask, container: ACSContainer) -> (bind: String, environment: [String: String])?
    /// After a start: the file again with Docker's view and `"MetadataFileStatus": "READY"`.
    func started(task: ACSTask, container: ACSContainer, dockerID: String) async
    /// At cleanup: the task's metadata directory goes.
    func remove(task: ACSTask)
}
