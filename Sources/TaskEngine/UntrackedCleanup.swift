import Logging

/// What the untracked step of image cleanup (engine.md §6.6 step 3,
/// ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP) sees of the runtime: containers and images no task of
/// this agent made. A port of its own so that `ContainerRuntime` stays about tasks.
public protocol UntrackedResources: Sendable {
    /// Containers that carry no ECS task label and are in one of
    /// `UntrackedCleanupRules.removableStates`, with their state and age.
    func nonTaskContainers() async throws -> [UntrackedContainer]
    /// Every image Docker holds.
    func allImages() async throws -> [UntrackedImage]
    /// The image IDs some container (any container, running or not) is made from.
    func imagesInUse() async throws -> Set<String>
    func removeContainer(_ id: String, force: Bool) async throws
    /// "No such image" is not an error.
    func removeImage(_ reference: String) async throws
}

public struct UntrackedContainer: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Docker's state word: created, running, paused, restarting, removing, exited, dead.
    public var state: String
    /// When it exited (seconds since 1970); for one that never ran, when it was created.
    public var finishedAt: Double
    public init(id: String, name: String, state: String, finishedAt: Double) {
        self.id = id
        self.name = name
        self.state = state
        self.finishedAt = finishedAt
    }
}

public struct UntrackedImage: Sendable, Equatable {
    public var id: String
    /// `name:tag` as Docker lists them; empty (or `<none>:<none>`) for a dangling image.
    public var tags: [String]
    public var size: Int64
    /// The image's Created time (seconds since 1970): the age rule of §6.6 counts from it.
    public var created: Double
    public init(id: String, tags: [String], size: Int64, created: Double) {
        self.id = id
        self.tags = tags
        self.size = size
        self.created = created
    }
}

/// The rules of the untracked step, apart from the runtime calls so that they can be read
/// (and tested) as rules.
public enum UntrackedCleanupRules {
    /// Settings of the step; nil in `ImageCleaner.Settings` turns it off.
    public struct Settings: Sendable {
        /// NONECS_NUM_CONTAINERS_DELETE_PER_CYCLE.
        public var containersPerCycle = 5
        /// How long a container must have been exited (ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION).
        public var containerMinimumAge: Duration = .seconds(3 * 3600)
        /// NON_ECS_IMAGE_MINIMUM_CLEANUP_AGE, counted from the image's Created time.
        public var imageMinimumAge: Duration = .seconds(3600)
        public init() {}
    }

    /// Docker states of a container that may be removed: exited, dead, or never started.
    public static let removableStates: Set<String> = ["exited", "dead", "created"]

    /// Exited, dead or never-started containers finished long enough ago, oldest first. (The
    /// reference parses FinishedAt with a wrong layout, so every such container counts as old;
    /// here the age is real.)
    public static func removableContainers(_ containers: [UntrackedContainer], settings: Settings, now: Double) -> [UntrackedContainer] {
        let age = settings.containerMinimumAge.seconds
        return containers.filter { removableStates.contains($0.state) && now - $0.finishedAt >= age }
            .sorted { ($0.finishedAt, $0.id) < ($1.finishedAt, $1.id) }
            .prefix(settings.containersPerCycle).map { $0 }
    }

    /// The names to remove, smallest image first, at most `budget` removals (each tag counts;
    /// a dangling image is removed by ID). Images an ECS task uses or the agent tracks, images
    /// any container is made from, excluded names and images younger than the minimum age stay.
    public static func removableImageNames(_ images: [UntrackedImage], tracked: Set<String>, excluded: Set<String>, inUse: Set<String>,
                                           settings: Settings, budget: Int, now: Double) -> [String] {
        guard budget > 0 else { return [] }
        let trackedNames = Set(tracked.map(ImageName.normalized))
        let excludedNames = Set(excluded.map(ImageName.normalized))
        let age = settings.imageMinimumAge.seconds
        let candidates = images.filter { image in
            let names = image.tags.filter { $0 != "<none>:<none>" }.map(ImageName.normalized)
            return !inUse.contains(image.id) && now - image.created >= age
                && names.allSatisfy { !trackedNames.contains($0) && !excludedNames.contains($0) }
        }.sorted { ($0.size, $0.id) < ($1.size, $1.id) }
        var names: [String] = []
        for image in candidates {
            let tags = image.tags.filter { $0 != "<none>:<none>" }
            for name in tags.isEmpty ? [image.id] : tags {
                if names.count == budget { return names }
                names.append(name)
            }
        }
        return names
    }
}

extension ImageCleaner {
    /// The untracked step: old exited non-ECS containers first (so that their images become
    /// removable), then non-ECS images within what is left of the cycle's budget.
    func cleanUntracked(_ untracked: any UntrackedResources, settings rules: UntrackedCleanupRules.Settings, budget: Int, now: Double) async -> [String] {
        do {
            for c in UntrackedCleanupRules.removableContainers(try await untracked.nonTaskContainers(), settings: rules, now: now) {
                do {
                    try await untracked.removeContainer(c.id, force: false)
                    logger.info("non-ECS container removed by cleanup", metadata: ["container": "\(c.name)", "id": "\(c.id.prefix(12))"])
                } catch {
                    logger.notice("non-ECS container not removed by cleanup", metadata: ["container": "\(c.name)", "error": "\(error)"])
                }
            }
            let names = UntrackedCleanupRules.removableImageNames(try await untracked.allImages(), tracked: tracked, excluded: settings.excluded,
                                                                  inUse: try await untracked.imagesInUse(), settings: rules, budget: budget, now: now)
            var removed: [String] = []
            for name in names {
                do {
                    try await untracked.removeImage(name)
                    removed.append(name)
                    logger.info("non-ECS image removed by cleanup", metadata: ["image": "\(name)"])
                } catch {
                    logger.notice("non-ECS image not removed by cleanup", metadata: ["image": "\(name)", "error": "\(error)"])
                }
            }
            return removed
        } catch {
            logger.warning("untracked cleanup skipped: the runtime did not answer", metadata: ["error": "\(error)"])
            return []
        }
    }
}
