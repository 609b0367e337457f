import AgentTestSupport
import Logging
import Synchronization
import Testing
@testable import TaskEngine

/// A dockerd holding containers and images no task made; removals are recorded and take effect.
final class FakeUntrackedResources: UntrackedResources {
    struct World {
        var containers: [UntrackedContainer] = []
        var images: [UntrackedImage] = []
        var imageOfContainer: [String: String] = [:]
        var refuse: Set<String> = []
        var calls: [String] = []
    }
    let world: Mutex<World>
    init(_ world: World) { self.world = Mutex(world) }
    var calls: [String] { world.withLock { $0.calls } }

    func nonTaskContainers() async throws -> [UntrackedContainer] { world.withLock { $0.containers } }
    func allImages() async throws -> [UntrackedImage] { world.withLock { $0.images } }
    func imagesInUse() async throws -> Set<String> { world.withLock { Set($0.imageOfContainer.values) } }
    func removeContainer(_ id: String, force: Bool) async throws {
        try world.withLock { w in
            w.calls.append("rm \(id)")
            if w.refuse.contains(id) { throw RuntimeError.conflict(id) }
            w.containers.removeAll { $0.id == id }
            w.imageOfContainer[id] = nil
        }
    }
    func removeImage(_ reference: String) async throws {
        try world.withLock { w in
            w.calls.append("rmi \(reference)")
            if w.refuse.contains(reference) { throw RuntimeError.conflict(reference) }
            for i in w.images.indices { w.images[i].tags.removeAll { $0 == reference } }
            // Docker deletes an image with its last tag; a dangling one goes by ID.
            w.images.removeAll { $0.id == reference || $0.tags.isEmpty }
        }
    }
}

@Suite("Untracked image cleanup (ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP)")
struct UntrackedCleanupTests {
    static let hour = 3600.0
    static let now = 100 * hour

    static func cleaner(_ untracked: FakeUntrackedResources, perCycle: Int = 5, excluded: Set<String> = []) -> ImageCleaner {
        var settings = ImageCleaner.Settings()
        settings.perCycle = perCycle
        settings.excluded = excluded
        var rules = UntrackedCleanupRules.Settings()
        rules.containersPerCycle = 2
        rules.containerMinimumAge = .seconds(3 * 3600)
        rules.imageMinimumAge = .seconds(3600)
        settings.untracked = rules
        var logger = Logger(label: "test.untracked")
        logger.logLevel = .critical
        return ImageCleaner(runtime: FakeContainerRuntime(), untracked: untracked, settings: settings, logger: logger)
    }

    @Test("Exited, dead and never-started containers older than the cleanup wait go, oldest first and a few per cycle; running and recent ones stay")
    func containers() async {
        let untracked = FakeUntrackedResources(.init(containers: [
            .init(id: "running", name: "web", state: "running", finishedAt: .infinity),
            .init(id: "recent", name: "job1", state: "exited", finishedAt: Self.now - Self.hour),
            .init(id: "old", name: "job2", state: "exited", finishedAt: Self.now - 10 * Self.hour),
            .init(id: "older", name: "job3", state: "dead", finishedAt: Self.now - 20 * Self.hour),
            .init(id: "neverran", name: "job4", state: "created", finishedAt: Self.now - 5 * Self.hour),
            .init(id: "paused", name: "job5", state: "paused", finishedAt: Self.now - 50 * Self.hour),
        ]))
        let cleaner = Self.cleaner(untracked)
        _ = await cleaner.cycle(inUse: [], now: Self.now)
        _ = await cleaner.cycle(inUse: [], now: Self.now)
        _ = await cleaner.cycle(inUse: [], now: Self.now)
        #expect(untracked.calls == ["rm older", "rm old", "rm neverran"])
        #expect(untracked.world.withLock { $0.containers.map(\.id) } == ["running", "recent", "paused"])
    }

    @Test("Images go smallest first within what the tracked images left of the cycle's budget, each tag counting; used, tracked, excluded and young images stay")
    func images() async {
        let untracked = FakeUntrackedResources(.init(
            images: [
                .init(id: "sha256:big", tags: ["big:1", "big:2"], size: 900, created: Self.now - 10 * Self.hour),
                .init(id: "sha256:small", tags: ["small:1"], size: 10, created: Self.now - 10 * Self.hour),
                .init(id: "sha256:dangling", tags: ["<none>:<none>"], size: 50, created: Self.now - 10 * Self.hour),
                .init(id: "sha256:young", tags: ["young:1"], size: 1, created: Self.now - 0.5 * Self.hour),
                .init(id: "sha256:used", tags: ["used:1"], size: 2, created: Self.now - 10 * Self.hour),
                .init(id: "sha256:task", tags: ["busybox:latest"], size: 3, created: Self.now - 10 * Self.hour),
                .init(id: "sha256:kept", tags: ["docker.io/library/keep:latest"], size: 4, created: Self.now - 10 * Self.hour),
            ],
            imageOfContainer: ["c1": "sha256:used"]))
        let cleaner = Self.cleaner(untracked, perCycle: 3, excluded: ["keep"])
        // A task used busybox (named without a tag): Docker lists it as busybox:latest.
        await cleaner.used("busybox", now: Self.now - 0.5 * Self.hour)
        #expect(await cleaner.cycle(inUse: ["busybox"], now: Self.now) == ["small:1", "sha256:dangling", "big:1"])
        #expect(await cleaner.cycle(inUse: ["busybox"], now: Self.now) == ["big:2"])
        #expect(await cleaner.cycle(inUse: ["busybox"], now: Self.now) == [])
        #expect(untracked.world.withLock { $0.images.map(\.id) } == ["sha256:young", "sha256:used", "sha256:task", "sha256:kept"])
    }

    @Test("A refused removal is logged and the cycle goes on; off by default")
    func refusalsAndDefault() async {
        let untracked = FakeUntrackedResources(.init(
            containers: [.init(id: "stuck", name: "a", state: "exited", finishedAt: 0), .init(id: "gone", name: "b", state: "exited", finishedAt: 1)],
            images: [.init(id: "sha256:a", tags: ["a:1"], size: 1, created: 0), .init(id: "sha256:b", tags: ["b:1"], size: 2, created: 0)],
            refuse: ["stuck", "a:1"]))
        #expect(await Self.cleaner(untracked).cycle(inUse: [], now: Self.now) == ["b:1"])
        #expect(untracked.calls == ["rm stuck", "rm gone", "rmi a:1", "rmi b:1"])
        #expect(ImageCleaner.Settings().untracked == nil)
    }

    @Test("Image names compare as Docker resolves them")
    func names() {
        #expect(ImageName.normalized("busybox") == "busybox:latest")
        #expect(ImageName.normalized("docker.io/library/busybox:1.36") == "busybox:1.36")
        #expect(ImageName.normalized("127.0.0.1:5000/app") == "127.0.0.1:5000/app:latest")
        #expect(ImageName.normalized("127.0.0.1:5000/app:v2") == "127.0.0.1:5000/app:v2")
        #expect(ImageName.normalized("app@sha256:abc") == "app@sha256:abc")
    }
}
