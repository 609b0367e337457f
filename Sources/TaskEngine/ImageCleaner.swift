public import Logging

/// Image cleanup (engine.md §6.5–6.6): the images tasks used are tracked by name; every
/// interval, up to `perCycle` of those that no task container uses any more, pulled at least
/// `minimumAge` ago and not excluded are removed, least recently used first. The record is in
/// memory: after an agent restart an image's age counts from its first use since then (later
/// removal, never earlier). With the untracked step on (§6.6 step 3), old exited containers
/// without ECS labels and images no task uses go too (UntrackedCleanup.swift).
public actor ImageCleaner {
    public struct Settings: Sendable {
        public var interval: Duration = .seconds(1800)
        public var minimumAge: Duration = .seconds(3600)
        public var perCycle = 5
        /// Image names never removed (ECS_EXCLUDE_UNTRACKED_IMAGE).
        public var excluded: Set<String> = []
        /// ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP: non-ECS containers and images too (nil: off).
        public var untracked: UntrackedCleanupRules.Settings?
        public init() {}
    }

    struct Tracked {
        var firstSeen: Double
        var lastUsed: Double
    }

    let runtime: any ContainerRuntime
    let untrackedResources: (any UntrackedResources)?
    let settings: Settings
    let logger: Logger
    private var images: [String: Tracked] = [:]

    public init(runtime: any ContainerRuntime, untracked: (any UntrackedResources)? = nil, settings: Settings, logger: Logger) {
        self.runtime = runtime
        self.untrackedResources = untracked
        self.settings = settings
        self.logger = logger
    }

    /// A container of a task uses `image` (at create).
    public func used(_ image: String, now: Double) {
        images[image, default: Tracked(firstSeen: now, lastUsed: now)].lastUsed = now
    }

    /// A task that used `image` was cleaned up.
    public func released(_ image: String, now: Double) {
        images[image]?.lastUsed = now
    }

    public var tracked: Set<String> { Set(images.keys) }

    /// One cycle; `inUse` are the images of every container the engine still has. Returns what
    /// was removed.
    @discardableResult
    public func cycle(inUse: Set<String>, now: Double) async -> [String] {
        let minimumAge = Double(settings.minimumAge.components.seconds)
        let candidates = images.filter { name, t in
            !inUse.contains(name) && !settings.excluded.contains(name) && now - t.firstSeen >= minimumAge
        }.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(settings.perCycle)
        var removed: [String] = []
        for (name, _) in candidates {
            do {
                try await runtime.removeImage(name)
                images[name] = nil
                removed.append(name)
                logger.info("image removed by cleanup", metadata: ["image": "\(name)"])
            } catch {
                // In use by a container outside ECS, or gone: try again next cycle.
                logger.notice("image not removed by cleanup", metadata: ["image": "\(name)", "error": "\(error)"])
            }
        }
        if let rules = settings.untracked, let untrackedResources {
            // The reference's budget: what the tracked images left of the per-cycle count.
            removed += await cleanUntracked(untrackedResources, settings: rules, budget: settings.perCycle - removed.count, now: now)
        }
        return removed
    }
}
