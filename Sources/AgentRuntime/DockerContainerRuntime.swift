import AWSSupport
import DockerEngine
import ECSModel
import TaskEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The task engine's `ContainerRuntime`, on the Docker Engine API.
struct DockerContainerRuntime: ContainerRuntime {
    let docker: DockerClient

    func pullImage(_ reference: String, login: RegistryLogin?) async throws {
        let credentials = login.map { RegistryCredentials(username: $0.username, password: $0.password, serverAddress: $0.serverAddress) }
        try await docker.pullImage(reference, credentials: credentials)
    }

    func inspectImage(_ reference: String) async throws -> ImageFacts? {
        do {
            let image = try await docker.inspectImage(reference)
            return ImageFacts(environment: Set((image.config?.env ?? []).map { String($0.prefix { $0 != "=" }) }), repoDigests: image.repoDigests ?? [])
        } catch let error as DockerError where error.isNotFound {
            return nil
        }
    }

    func createContainer(name: String, body: JSONValue) async throws -> String {
        do {
            return try await docker.createContainer(name: name, body).id
        } catch let error as DockerError where error.isConflict {
            throw RuntimeError.conflict(name)
        } catch let error as DockerError where error.isNotFound && error.description.lowercased().contains("no such image") {
            throw RuntimeError.noSuchImage(image: body["Image"]?.stringValue ?? "", message: error.description)
        }
    }

    func startContainer(_ id: String) async throws { try await docker.startContainer(id) }

    func stopContainer(_ id: String, timeout: Duration) async throws {
        do { try await docker.stopContainer(id, timeout: timeout) } catch let error as DockerError where error.isNotFound {}
    }

    func inspectContainer(_ idOrName: String) async throws -> RuntimeContainer? {
        do {
            return Self.container(try await docker.inspectContainer(idOrName))
        } catch let error as DockerError where error.isNotFound {
            return nil
        }
    }

    func removeContainer(_ id: String, force: Bool) async throws {
        do { try await docker.removeContainer(id, force: force) } catch let error as DockerError where error.isNotFound {}
    }

    func listContainers(label: String, value: String) async throws -> [RuntimeContainer] {
        try await docker.listContainers(all: true, filters: .label("\(label)=\(value)")).map { s in
            RuntimeContainer(id: s.id, name: String((s.names?.first ?? "").drop { $0 == "/" }), labels: s.labels ?? [:],
                             state: RuntimeContainer.State(rawValue: s.state ?? "") ?? .exited)
        }
    }

    func createVolume(name: String, driver: String, options: [String: String], labels: [String: String]) async throws {
        _ = try await docker.createVolume(VolumeCreateBody(name: name, driver: driver, driverOpts: options.isEmpty ? nil : options, labels: labels))
    }

    func volumeExists(_ name: String) async throws -> Bool {
        do {
            _ = try await docker.inspectVolume(name)
            return true
        } catch let error as DockerError where error.isNotFound {
            return false
        }
    }

    func removeVolume(_ name: String) async throws {
        do { try await docker.removeVolume(name) } catch let error as DockerError where error.isNotFound {}
    }

    func removeImage(_ reference: String) async throws {
        do { try await docker.removeImage(reference) } catch let error as DockerError where error.isNotFound {}
    }

    func events(onResume: @escaping @Sendable () -> Void) -> AsyncThrowingStream<RuntimeEvent, any Error> {
        let source = docker.events(filters: DockerFilters(["type": ["container"]]), onResume: { _ in onResume() })
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in source {
                        if let mapped = Self.event(event) { continuation.yield(mapped) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func isAlive() async -> Bool {
        (try? await docker.ping()) != nil
    }

    // MARK: mapping

    static func event(_ e: DockerEvent) -> RuntimeEvent? {
        let kind: RuntimeEvent.Kind
        switch e.action {
        case "create": kind = .created
        case "start": kind = .started
        case "die": kind = .died(exitCode: e.actor.attributes?["exitCode"].flatMap { Int($0) })
        case "destroy": kind = .destroyed
        case "health_status: healthy": kind = .healthy
        case "health_status: unhealthy": kind = .unhealthy
        default: return nil
        }
        return RuntimeEvent(containerID: e.actor.id, kind: kind, labels: e.actor.attributes ?? [:])
    }

    static func container(_ c: ContainerInspect) -> RuntimeContainer {
        var ports: [String: [NetworkBindings.Published]] = [:]
        for (key, list) in c.networkSettings?.ports ?? [:] {
            guard let list else { continue }
            ports[key] = list.map { NetworkBindings.Published(hostIP: $0.hostIp ?? "", hostPort: $0.hostPort ?? "") }
        }
        let health: TaskEngine.ContainerState.Health = switch c.state?.health?.status {
        case "healthy": .healthy
        case "unhealthy": .unhealthy
        default: .unknown
        }
        return RuntimeContainer(
            id: c.id, name: String((c.name ?? "").drop { $0 == "/" }), labels: c.config?.labels ?? [:],
            state: RuntimeContainer.State(rawValue: c.state?.status ?? "") ?? .exited, exitCode: c.state?.exitCode,
            oomKilled: c.state?.oomKilled ?? false, startedAt: startedAt(c.state?.startedAt), health: health, ports: ports, imageID: c.image)
    }

    /// Docker writes `0001-01-01T00:00:00Z` for a container that never started.
    static func startedAt(_ text: String?) -> Double? {
        guard let text, !text.hasPrefix("0001-"), let date = RFC3339.parse(text) else { return nil }
        return date.timeIntervalSince1970
    }
}

/// The untracked step of image cleanup (engine.md §6.6 step 3) on the Engine API.
extension DockerContainerRuntime: UntrackedResources {
    func nonTaskContainers() async throws -> [UntrackedContainer] {
        var found: [UntrackedContainer] = []
        for s in try await docker.listContainers(all: true)
        where s.labels?["com.amazonaws.ecs.task-arn"] == nil && UntrackedCleanupRules.removableStates.contains(s.state ?? "") {
            let name = String((s.names?.first ?? "").drop { $0 == "/" })
            let state = s.state ?? ""
            // The list has no FinishedAt: inspect the ones that may go.
            guard let inspected = try? await docker.inspectContainer(s.id) else { continue }
            let finished = Self.startedAt(inspected.state?.finishedAt) ?? Double(s.created ?? 0)
            found.append(UntrackedContainer(id: s.id, name: name, state: inspected.state?.status ?? state, finishedAt: finished))
        }
        return found
    }

    func allImages() async throws -> [UntrackedImage] {
        try await docker.listImages().map {
            UntrackedImage(id: $0.id, tags: $0.repoTags ?? [], size: $0.size ?? 0, created: Double($0.created ?? 0))
        }
    }

    func imagesInUse() async throws -> Set<String> {
        Set(try await docker.listContainers(all: true).compactMap(\.imageID))
    }
}
