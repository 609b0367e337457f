import ECSModel

/// Everything one Docker step needs, copied out of the task actor so the call runs without
/// holding it (the actor keeps handling events while Docker works).
struct ActionInput: Sendable {
    var action: ContainerAction
    var task: ACSTask
    var container: ACSContainer
    var record: ContainerRecord
    var binds: Result<[String], VolumeError>
    var volumes: [VolumePlan.Source]
    var dockerNames: [String: String]
    var stopTimeout: Duration
    var credentials: IAMRoleCredentials?
    var cgroupParent: String?
    var taskRoleCredentialsID: String?
    var services: EngineServices
}

extension ManagedTask {
    func actionInput(_ action: PlannedAction) -> ActionInput {
        let i = record.index(of: action.container)!
        let acs = record.task.containers![i]
        let binds: Result<[String], VolumeError>
        if let volumes { binds = Result { () throws(VolumeError) in try volumes.binds(for: acs) } } else { binds = .success([]) }
        let used = Set((acs.mountPoints ?? []).compactMap(\.sourceVolume))
        let sources = (volumes?.volumes ?? [:]).filter { used.contains($0.key) }.sorted { $0.key < $1.key }.map(\.value)
        var names: [String: String] = [:]
        for c in record.containers { names[c.name] = c.dockerName }
        return ActionInput(action: action.action, task: record.task, container: acs, record: record.containers[i], binds: binds,
                           volumes: sources, dockerNames: names, stopTimeout: stopTimeout(of: acs.name ?? ""),
                           credentials: executionCredentials, cgroupParent: record.cgroupParent,
                           taskRoleCredentialsID: record.taskRoleCredentialsID, services: services)
    }

    /// The container's own registryAuthentication (ECR, Secrets Manager) when it has one, else
    /// the instance-wide ECS_ENGINE_AUTH_TYPE/DATA login for the image's registry.
    static func loginProvider(_ input: ActionInput) -> ImagePuller.LoginProvider {
        let image = input.container.image ?? ""
        guard let authentication = input.container.registryAuthentication, let type = authentication.type, type == "ecr" || type == "asm" else {
            let login = input.services.settings.login(image)
            return { login }
        }
        let (source, credentials) = (input.services.registryCredentials, input.credentials)
        return {
            guard let source else {
                throw RegistryAuthError(type == "ecr" ? "CannotPullECRContainerError: this agent has no ECR client" : "CannotPullContainerAuthError: this agent has no Secrets Manager client")
            }
            return try await source.login(authentication, image: image, executionCredentials: credentials)
        }
    }

    static func perform(_ input: ActionInput) async -> ActionResult {
        let runtime = input.services.runtime
        let c = input.record
        switch input.action {
        case .pull:
            let image = input.container.image ?? ""
            let started = input.services.now()
            do {
                let outcome = try await input.services.puller.ensure(image, loginProvider: Self.loginProvider(input))
                let stopped = input.services.now()
                return .pulled(outcome, digest: await input.services.puller.digest(image), startedAt: started, stoppedAt: stopped)
            } catch let error as ImagePullError {
                return .failed(reason: error.reason, stopTask: true)
            } catch {
                return .failed(reason: "CannotPullContainerError: \(error)", stopTask: true)
            }
        case .create:
            do {
                let (id, calledAt) = try await createEnsuringImage(input)
                return .created(id: id, calledAt: calledAt)
            } catch let error as CreateRequestError {
                return .failed(reason: error.reason, stopTask: false)
            } catch let error as VolumeError {
                return .failed(reason: error.description, stopTask: false)
            } catch let error as SecretsError {
                return .failed(reason: error.description, stopTask: false)
            } catch let error as ImagePullError {
                return .failed(reason: error.reason, stopTask: false)
            } catch {
                return .failed(reason: "CannotCreateContainerError: \(error)", stopTask: false)
            }
        case .start:
            guard let id = c.dockerID else { return .failed(reason: "CannotStartContainerError: the container was never created", stopTask: false) }
            do {
                try await runtime.startContainer(id)
            } catch {
                return .failed(reason: "CannotStartContainerError: \(error)", stopTask: false)
            }
            let returnedAt = ContinuousClock.now
            // Only published ports need a look at what Docker bound; the rest is known already.
            guard !(input.container.portMappings ?? []).isEmpty else { return .started(nil, returnedAt: returnedAt) }
            return .started(try? await runtime.inspectContainer(id), returnedAt: returnedAt)
        case .stop:
            guard let id = c.dockerID else { return .stopped(nil) }
            do {
                try await runtime.stopContainer(id, timeout: input.stopTimeout)
            } catch {
                guard await runtime.isAlive() else {
                    // Docker does not answer: the container may still run; try again shortly.
                    try? await Task.sleep(for: .seconds(1))
                    return .retryStop(reason: "\(error)")
                }
                return .failed(reason: "CannotStopContainerError: \(error)", stopTask: false)
            }
            return .stopped(try? await runtime.inspectContainer(id))
        }
    }

    /// Volumes first (task scope made, shared scope checked or auto-provisioned), then the
    /// create call under the name recorded beforehand; a name already taken means a create
    /// that happened before a crash: that container is adopted.
    /// Creates the container; when Docker says the image is gone although the puller believed it
    /// present (removed behind the agent's back), the puller forgets it, makes it available again
    /// under the pull behaviour's rules, and the create is tried once more. An image the puller
    /// never saw (a failed pull under default) fails the create as before.
    private static func createEnsuringImage(_ input: ActionInput) async throws -> (String, ContinuousClock.Instant) {
        do {
            return try await create(input)
        } catch RuntimeError.noSuchImage(let image, let message) {
            guard await input.services.puller.forget(image) else { throw RuntimeError.noSuchImage(image: image, message: message) }
            input.services.logger.warning("image gone from Docker; making it available again", metadata: ["image": "\(image)"])
            switch try await input.services.puller.ensure(image, loginProvider: loginProvider(input)) {
            case .failedContinuing(let reason): throw ImagePullError(reason: reason)
            case .pulled, .cached: return try await create(input)
            }
        }
    }

    private static func create(_ input: ActionInput) async throws -> (String, ContinuousClock.Instant) {
        let runtime = input.services.runtime
        let settings = input.services.settings
        for source in input.volumes {
            switch source {
            case .bind:
                continue
            case .task(let name, let driver, let options, let labels):
                if try await !runtime.volumeExists(name) {
                    try await runtime.createVolume(name: name, driver: driver, options: options,
                                                   labels: labels.merging([EngineSettings.instanceLabelKey: settings.instanceLabel]) { a, _ in a })
                }
            case .shared(let name, let autoprovision, let driver, let options, let labels):
                if try await !runtime.volumeExists(name) {
                    guard autoprovision else {
                        throw VolumeError("CannotCreateContainerError: shared volume \(name) does not exist and autoprovision is off")
                    }
                    try await runtime.createVolume(name: name, driver: driver, options: options, labels: labels)
                }
            }
        }
        var context = CreateContext(cluster: settings.cluster, region: settings.region)
        context.ports = input.record.ports
        context.binds = try input.binds.get()
        context.dockerNames = input.dockerNames
        context.privilegedDisabled = settings.privilegedDisabled
        context.cgroupParent = input.cgroupParent
        context.extraLabels = [EngineSettings.instanceLabelKey: settings.instanceLabel]
        context.logging = settings.logging
        context.executionCredentialsID = input.credentials?.credentialsId
        context.injectedEnvironment = EndpointID.environment(endpointID: input.record.endpointID, taskRoleCredentialsID: input.taskRoleCredentialsID)
        context.imageEnvironment = await input.services.puller.environment(input.container.image ?? "") ?? []
        if let source = input.services.secrets, !(input.container.secrets ?? []).isEmpty || !(input.container.environmentFiles ?? []).isEmpty {
            let fetched = try await source.environment(task: input.task, container: input.container, credentials: input.credentials)
            context.fileEnvironment = fetched.files
            context.injectedEnvironment.merge(fetched.secrets) { _, secret in secret }
        }
        if let files = input.services.metadataFiles, let file = files.prepare(task: input.task, container: input.container) {
            context.binds.append(file.bind)
            context.injectedEnvironment.merge(file.environment) { _, file in file }
        }
        let body = try CreateRequest.body(task: input.task, container: input.container, context: context)
        await input.services.images?.used(input.container.image ?? "", now: input.services.now())
        let calledAt = ContinuousClock.now
        do {
            return (try await runtime.createContainer(name: input.record.dockerName, body: body), calledAt)
        } catch RuntimeError.conflict {
            guard let existing = try await runtime.inspectContainer(input.record.dockerName) else { throw RuntimeError.conflict(input.record.dockerName) }
            return (existing.id, calledAt)
        }
    }
}
