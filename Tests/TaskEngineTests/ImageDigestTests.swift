import AgentTestSupport
import ECSModel
import TaskEngine
import Testing

@Suite("Image digests (MANIFEST_PULLED reported as PENDING)")
struct ImageDigestTests {
    @Test("A registry image's digest is reported: the task goes PENDING with it once every image is there, and RUNNING repeats it; a locally built image has none")
    func pendingThenRunning() async throws {
        let runtime = FakeContainerRuntime()
        runtime.repoDigests["127.0.0.1:5000/app:1"] = ["127.0.0.1:5000/app@sha256:aaa", "mirror.example/app@sha256:zzz"]
        let h = EngineHarness(runtime: runtime)
        let arn = "arn:aws:ecs:us-west-2:1:task/test/dg1"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"127.0.0.1:5000/app:1"},{"name":"b","image":"local:1"},{"name":"c","image":"app@sha256:bbb"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        #expect(h.statuses(arn) == ["PENDING a=PENDING,c=PENDING", "RUNNING a=RUNNING,b=RUNNING,c=RUNNING"])
        let changes = h.store.reported(arn)
        #expect(changes[0].containers?.map(\.imageDigest) == ["sha256:aaa", "sha256:bbb"])
        #expect(changes[1].containers?.map(\.imageDigest) == ["sha256:aaa", nil, "sha256:bbb"])
        #expect(h.store.record(arn)?.containers.map(\.imageDigest) == ["sha256:aaa", nil, "sha256:bbb"], "saved with the task")
        await h.finish()
    }

    @Test("Without any digest there is no PENDING: the first change is RUNNING, as before")
    func noDigestNoPending() async throws {
        let h = EngineHarness()
        let arn = "arn:aws:ecs:us-west-2:1:task/test/dg2"
        try await h.manager.accept(try EngineHarness.task(arn, containers: #"[{"name":"a","image":"img"}]"#))
        try await eventually(timeout: .seconds(30), "RUNNING") { h.taskStatus(arn) == "RUNNING" }
        #expect(h.statuses(arn) == ["RUNNING a=RUNNING"])
        #expect(h.container(arn, "a")?.imageDigest == nil)
        await h.finish()
    }

    @Test("A digest is the one of the image's own repository, compared as Docker names it")
    func matching() {
        let digests = ["busybox@sha256:b", "127.0.0.1:5000/app@sha256:a"]
        #expect(ImageName.digest(of: "busybox", repoDigests: digests) == "sha256:b")
        #expect(ImageName.digest(of: "docker.io/library/busybox:1.36", repoDigests: digests) == "sha256:b")
        #expect(ImageName.digest(of: "127.0.0.1:5000/app:v2", repoDigests: digests) == "sha256:a")
        #expect(ImageName.digest(of: "127.0.0.1:5000/other", repoDigests: digests) == nil)
        #expect(ImageName.digest(of: "x@sha256:c", repoDigests: digests) == "sha256:c")
        #expect(ImageName.repository("localhost:5000/a/b:tag") == "localhost:5000/a/b")
    }
}
