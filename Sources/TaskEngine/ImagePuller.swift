import AsyncGate
public import ECSModel
public import Logging

/// ECS_IMAGE_PULL_BEHAVIOR (engine.md §6.2).
public enum PullBehavior: String, Sendable, CaseIterable {
    case `default`, always, once, preferCached = "prefer-cached"
}

public struct ImagePullError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Pulls images for containers: one pull per image at a time however many containers want it
/// (later callers wait for the pull in flight), at most `maximumConcurrent` different images at
/// once, and the pull behaviour's rules on when to pull and what a failure means.
public actor ImagePuller {
    public typealias LoginProvider = @Sendable () async throws -> RegistryLogin?
    public enum Outcome: Sendable, Equatable {
        case pulled
        /// The behaviour said no pull was needed.
        case cached
        /// The pull failed and the behaviour says carry on with whatever is cached.
        case failedContinuing(String)
    }

    let runtime: any ContainerRuntime
    let behavior: PullBehavior
    let maximumConcurrent: Int
    let logger: Logger
    private var inFlight: [String: Task<Void, any Error>] = [:]
    /// Images pulled successfully by this agent (for `once`).
    private var pulledOnce: Set<String> = []
    /// What the last inspect said of each image; dropped when it is pulled again.
    private var facts: [String: ImageFacts] = [:]
    private let slots: AsyncGate

    public init(runtime: any ContainerRuntime, behavior: PullBehavior, maximumConcurrent: Int = 4, logger: Logger) {
        self.runtime = runtime
        self.behavior = behavior
        self.maximumConcurrent = max(1, maximumConcurrent)
        slots = AsyncGate(width: maximumConcurrent)
        self.logger = logger
    }

    /// Makes `image` available as the behaviour requires. Throws `ImagePullError` when the
    /// behaviour (always, once) makes a failed pull stop the task.
    /// Credentials are asked for only when a pull actually starts (an ECR token is a call to
    /// AWS; a cached image under prefer-cached must not need one).
    public func ensure(_ image: String, loginProvider: @escaping LoginProvider) async throws -> Outcome {
        switch behavior {
        case .preferCached:
            // Known present (pulled or inspected earlier): no Docker round trip on the launch
            // path. A removal behind the agent's back surfaces as "no such image" at create,
            // which forgets it and comes back here.
            if facts[image] != nil { return .cached }
            if let found = try? await runtime.inspectImage(image) {
                facts[image] = found
                return .cached
            }
        case .once:
            if pulledOnce.contains(image) { return .cached }
        case .default, .always:
            break
        }
        do {
            try await pull(image, loginProvider: loginProvider)
            pulledOnce.insert(image)
            facts[image] = nil
            return .pulled
        } catch {
            let reason = (error as? RegistryAuthError)?.reason ?? "CannotPullContainerError: \(error)"
            switch behavior {
            case .always, .once:
                throw ImagePullError(reason: reason)
            case .default, .preferCached:
                logger.warning("image pull failed; using the cached image if there is one", metadata: ["image": "\(image)", "error": "\(error)"])
                return .failedContinuing(reason)
            }
        }
    }

    /// Drops what the puller believes about `image` (Docker said it is gone); returns whether
    /// it believed the image present.
    @discardableResult
    public func forget(_ image: String) -> Bool {
        pulledOnce.remove(image)
        return facts.removeValue(forKey: image) != nil
    }

    /// The image's environment variable names (so the region is not overridden), from a cache
    /// that a pull of the image clears; nil when the image is not present.
    public func environment(_ image: String) async -> Set<String>? {
        await imageFacts(image)?.environment
    }

    /// The digest the container will run (engine.md §6.1), read from the same inspect the
    /// create uses: after a pull Docker's RepoDigests hold what the registry served.
    public func digest(_ image: String) async -> String? {
        if image.contains("@") { return ImageName.digest(of: image, repoDigests: []) }
        return await imageFacts(image)?.digest(of: image)
    }

    private func imageFacts(_ image: String) async -> ImageFacts? {
        if let known = facts[image] { return known }
        guard let found = try? await runtime.inspectImage(image) else { return nil }
        facts[image] = found
        return found
    }

    private func pull(_ image: String, loginProvider: @escaping LoginProvider) async throws {
        if let existing = inFlight[image] {
            try await existing.value
            return
        }
        let (slots, runtime) = (slots, runtime)
        // The credentials are fetched inside the single flight: one token call per pull.
        let task = Task {
            let login = try await loginProvider()
            try await slots.withGate { try await runtime.pullImage(image, login: login) }
        }
        inFlight[image] = task
        defer { inFlight[image] = nil }
        try await task.value
    }
}
