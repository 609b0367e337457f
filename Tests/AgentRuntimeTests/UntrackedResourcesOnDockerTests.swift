@testable import AgentRuntime
import AgentTestSupport
import DockerEngine
import Foundation
import TaskEngine
import Testing

@Suite("Untracked cleanup's view of real Docker", .enabled(if: TestEnvironment.integrationEnabled))
struct UntrackedResourcesOnDockerTests {
    @Test("An exited container without ECS labels is listed with its finish time, an ECS task's is not; images come with tags, size and age, and a container's image counts as in use")
    func listsWhatCleanupNeeds() async throws {
        try await DockerFixture.with { docker in
            let runtime = DockerContainerRuntime(docker: docker.docker)
            let plain = try await docker.createContainer("untracked", cmd: ["true"])
            let task = try await docker.createContainer("tasklike", cmd: ["true"]) {
                $0.labels = ["com.amazonaws.ecs.task-arn": "arn:aws:ecs:us-west-2:000000000000:task/default/untracked-test"]
            }
            let never = try await docker.createContainer("neverran", cmd: ["true"])
            let before = Date().timeIntervalSince1970
            for id in [plain, task] {
                try await docker.docker.startContainer(id)
                _ = try await docker.docker.waitContainer(id, timeout: .seconds(30))
            }
            let after = Date().timeIntervalSince1970

            let listed = try await runtime.nonTaskContainers()
            let exited = try #require(listed.first { $0.id == plain })
            #expect(exited.state == "exited")
            #expect(exited.finishedAt >= before - 1 && exited.finishedAt <= after + 1, "finished \(exited.finishedAt), ran in [\(before), \(after)]")
            let created = try #require(listed.first { $0.id == never })
            #expect(created.state == "created" && created.finishedAt <= after + 1 && created.finishedAt > before - 120, "a never-run container ages from its creation")
            #expect(!listed.contains { $0.id == task }, "a task's container is never the untracked step's")

            let imageID = try #require(try await docker.docker.inspectContainer(plain).image)
            let images = try await runtime.allImages()
            let image = try #require(images.first { $0.id == imageID })
            #expect(image.tags.map(ImageName.normalized).contains(ImageName.normalized(TestEnvironment.testImage)))
            #expect(image.size > 0 && image.created > 0 && image.created <= after)
            #expect(try await runtime.imagesInUse().contains(imageID))
            // With its containers in use and a young cleanup age of zero, the rules still keep it.
            var rules = UntrackedCleanupRules.Settings()
            rules.imageMinimumAge = .zero
            let names = UntrackedCleanupRules.removableImageNames(images, tracked: [], excluded: [], inUse: try await runtime.imagesInUse(),
                                                                  settings: rules, budget: 1000, now: after)
            #expect(!names.contains { image.tags.contains($0) }, "an image a container is made from is never picked")

            try await runtime.removeContainer(plain, force: false)
            #expect(try await runtime.nonTaskContainers().allSatisfy { $0.id != plain })
        }
    }
}
