import AgentTestSupport
import Foundation
import HostSystem
import Testing

/// The agent's own seccomp filter, seen from outside the running agent.
@Suite("Self-sandbox", .enabled(if: TestEnvironment.integrationEnabled), .timeLimit(.minutes(3)))
struct SelfSandboxTests {
    @Test("In the running agent every thread is under the filter and a denied call fails with EPERM; ECS_SELF_SANDBOX=false leaves it out")
    func runningAgentIsFiltered() async throws {
        // The probe (swapoff of a missing path) only tells EPERM from ENOENT for a process that
        // holds CAP_SYS_ADMIN, and an inherited filter would blur the "off" case: both hold for
        // the test runner on the CI machine, and are checked rather than assumed.
        let ownModes = Set(SelfSandbox.threadModes().values)
        try #require(ownModes == [0], "the test runner is itself under seccomp (\(ownModes)): nothing can be told apart")
        let server = try LocalServerProcess()
        try await server.start()
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster", "--cluster-name", "sandbox"])
        let on = try AgentProcess(backend: server.url, cluster: "sandbox")
        let off = try AgentProcess(backend: server.url, cluster: "sandbox", extra: ["ECS_SELF_SANDBOX": "false"])
        try await withCleanup {
            try on.start()
            try await on.waitForLog("ACS connected")
            #expect(on.log.contains("self-sandbox installed"))
            #expect(on.log.contains("EPERM (denied)"), "swapoff is refused by the filter, not by the kernel:\n\(on.log.prefix(3000))")

            // Threads started after the filter inherit it; those alive when it went in got it through TSYNC.
            let modes = SelfSandbox.threadModes(pid: on.pid)
            #expect(modes.count > 2, "the agent runs several threads")
            #expect(modes.values.allSatisfy { $0 == 2 }, "every thread is filtered: \(modes)")

            // The filter does not get in the agent's way: it registered, connected and serves.
            let port = try #require(on.listeningPort("introspection"))
            let (status, body, _) = try await Subprocess.runDetached {
                try Subprocess.run(["curl", "-s", "http://127.0.0.1:\(port)/v1/metadata"], environment: [:])
            }.tuple
            #expect(status == 0 && body.contains("ContainerInstanceArn"))

            try off.start()
            try await off.waitForLog("ACS connected")
            #expect(!off.log.contains("self-sandbox installed"))
            #expect(SelfSandbox.threadModes(pid: off.pid).values.allSatisfy { $0 == 0 })
            #expect(await on.stop() == 0)
            #expect(await off.stop() == 0)
        } cleanup: {
            await on.kill9(); await off.kill9(); await server.stop()
        }
    }
}
