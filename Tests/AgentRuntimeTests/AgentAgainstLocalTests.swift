import AgentTestSupport
import Foundation
import Testing

/// The real `ecs-agent run` against a real `ecs-local serve`, driven with the real aws CLI.
@Suite("Agent against ecs-local", .enabled(if: TestEnvironment.integrationEnabled), .timeLimit(.minutes(6)))
struct AgentAgainstLocalTests {
    static func instance(_ cli: AWSCLI, cluster: String) async throws -> [String: Any] {
        let arns = try await cli.ecs(["list-container-instances", "--cluster", cluster])["containerInstanceArns"] as? [String] ?? []
        guard let arn = arns.first else { return [:] }
        return (try await cli.ecs(["describe-container-instances", "--cluster", cluster, "--container-instances", arn])[path: "containerInstances.0"] as? [String: Any]) ?? [:]
    }

    @Test("The agent registers with its identity document and attributes, connects ACS and TCS, and keeps its ARN across a restart")
    func registersAndReconnects() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        let imds = FakeIMDS()
        try await imds.start()
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster", "--cluster-name", "e2e"])
        let agent = try AgentProcess(backend: server.url, cluster: "e2e", imdsEndpoint: imds.url,
                                     extra: ["ECS_INSTANCE_ATTRIBUTES": #"{"stack":"prod"}"#, "ECS_RESERVED_MEMORY": "128"])
        try await withCleanup {
            try agent.start()
            try await agent.waitForLog("ACS connected")
            try await agent.waitForLog("TCS connected")

            var described: [String: Any] = [:]
            try await eventually(timeout: .seconds(15), "agentConnected=true") {
                described = try await Self.instance(cli, cluster: "e2e")
                return described["agentConnected"] as? Bool == true
            }
            let arn = try #require(described["containerInstanceArn"] as? String)
            #expect(described["ec2InstanceId"] as? String == "i-0fake0000000001", "the identity document reached the control plane")
            let attributes = (described["attributes"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0["value"] as? String) }
            #expect(attributes.contains { $0 == ("stack", "prod") })
            #expect(attributes.contains { $0.0 == "ecs.capability.full-sync" })
            #expect(attributes.contains { $0 == ("ecs.os-type", "linux") })
            let memory = (described["registeredResources"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "MEMORY" }?["integerValue"] as? Int
            #expect(memory != nil && memory! > 0)
            // With a token normally; a token request slower than 1 s (a loaded machine) falls back to v1.
            #expect(imds.requests.contains { $0.hasPrefix("GET /latest/dynamic/instance-identity/document") })

            // TCS: the instance status reached ecs-local.
            try await eventually(timeout: .seconds(15), "telemetry at ecs-local") {
                let (_, out, _) = try await Subprocess.runDetached { try Subprocess.run(["curl", "-s", server.url + "/admin/telemetry"], environment: [:]) }.tuple
                return out.contains("PublishInstanceStatusRequest") && out.contains(arn)
            }

            #expect(await agent.stop() == 0, "SIGTERM is a clean stop")
            try await eventually("agentConnected=false after the stop") {
                try await Self.instance(cli, cluster: "e2e")["agentConnected"] as? Bool == false
            }
            try agent.start()
            try await agent.waitForLog("re-registered")
            try await agent.waitForLog("ACS connected")
            let again = try await Self.instance(cli, cluster: "e2e")
            #expect(again["containerInstanceArn"] as? String == arn)
            let all = try await cli.ecs(["list-container-instances", "--cluster", "e2e"])["containerInstanceArns"] as? [String] ?? []
            #expect(all == [arn], "no second instance was registered")
        } cleanup: {
            await agent.kill9(); await server.stop(); await imds.stop()
        }
    }

    @Test("A state change recorded while the control plane is unreachable survives kill -9 and is sent exactly once after restart")
    func stateChangeSurvivesKill() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        let proxy = try await UnixSocketProxy(tcpUpstreamPort: server.port)
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["register-task-definition", "--family", "sleep", "--container-definitions", #"[{"name":"s","image":"busybox","memory":32,"command":["sleep","60"]}]"#])
        // The agent reaches the ECS API through the proxy (ACS and TCS go direct), so the API
        // can be taken away while ACS still delivers tasks.
        let agent = try AgentProcess(backend: "http://127.0.0.1:\(proxy.port)", cluster: "")
        try await withCleanup {
            try agent.start()
            try await agent.waitForLog("ACS connected")

            proxy.setRefusing(true)
            await proxy.cutAll()
            let run = try await cli.ecs(["run-task", "--task-definition", "sleep"])
            let taskArn = try #require(run.string("tasks.0.taskArn"))
            try await agent.waitForLog("task state change not sent yet")
            await agent.kill9()
            let before = try await cli.ecs(["describe-tasks", "--tasks", taskArn])
            #expect(before.string("tasks.0.lastStatus") == "PENDING")
            let versionBefore = before[path: "tasks.0.version"] as? Int ?? -1

            proxy.setRefusing(false)
            try agent.start()
            try await agent.waitForLog("task state change sent")
            let after = try await cli.ecs(["describe-tasks", "--tasks", taskArn])
            #expect(after.string("tasks.0.lastStatus") == "STOPPED")
            // The image is not on this host and cannot be pulled: the create fails, and says so.
            #expect(after.string("tasks.0.containers.0.reason")?.contains("CannotCreateContainerError") == true, "\(after)")
            try await Task.sleep(for: .seconds(2))
            let settled = try await cli.ecs(["describe-tasks", "--tasks", taskArn])
            #expect(settled[path: "tasks.0.version"] as? Int == versionBefore + 1, "exactly one SubmitTaskStateChange arrived")
            #expect(agent.log.components(separatedBy: "task state change sent").count - 1 == 1)
        } cleanup: {
            await agent.kill9(); await server.stop()
        }
    }

    @Test("With ecs-local down for two minutes the agent reconnects by itself within the backoff bound and sends nothing twice")
    func outage() async throws {
        let server = try LocalServerProcess(extraArguments: ["--heartbeat-seconds", "10"])
        try await server.start()
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["register-task-definition", "--family", "sleep", "--container-definitions", #"[{"name":"s","image":"busybox","memory":32}]"#])
        let agent = try AgentProcess(backend: server.url, cluster: "")
        try await withCleanup {
            try agent.start()
            try await agent.waitForLog("ACS connected")
            let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "sleep"]).string("tasks.0.taskArn"))
            try await agent.waitForLog("task state change sent")
            let version = try await cli.ecs(["describe-tasks", "--tasks", taskArn])[path: "tasks.0.version"] as? Int

            await server.stop()
            try await Task.sleep(for: .seconds(120))
            #expect(agent.isRunning, "the agent rides out the outage")
            let restarted = try LocalServerProcess(dataDirectory: server.dataDirectory, port: server.port, extraArguments: ["--heartbeat-seconds", "10"])
            try await restarted.start()
            try await withCleanup {
                let back = ContinuousClock.now
                try await eventually(timeout: .seconds(60), "the agent to reconnect") {
                    agent.log.components(separatedBy: "ACS connected").count - 1 >= 2
                }
                let took = ContinuousClock.now - back
                // ACS backoff caps at 30 s + 20 % jitter; allow for the dial itself.
                #expect(took < .seconds(38), "reconnected \(took) after ecs-local came back")
                // Each probe is an aws CLI run, which a loaded 2-core machine can take seconds over.
                try await eventually(timeout: .seconds(60), "agentConnected=true") {
                    try await Self.instance(cli, cluster: "default")["agentConnected"] as? Bool == true
                }
                try await Task.sleep(for: .seconds(2))
                #expect(try await cli.ecs(["describe-tasks", "--tasks", taskArn])[path: "tasks.0.version"] as? Int == version, "no state change was sent again")
                #expect(agent.log.components(separatedBy: "task state change sent").count - 1 == 1)
                #expect(agent.log.components(separatedBy: "registered as a new container instance").count - 1 == 1)
                #expect(!agent.log.contains("re-registered"), "an outage is not a reason to register again")
                #expect(agent.log.components(separatedBy: "task accepted").count - 1 == 1, "the payload was not handled twice")
            } cleanup: {
                await restarted.stop()
            }
        } cleanup: {
            await agent.kill9(); await server.stop()
        }
    }

    @Test("A deregistered instance: ACS reports it inactive, TCS is dropped, and a restarted agent waits with a clear line instead of crash-looping")
    func deregistered() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        let cli = AWSCLI(endpoint: server.url)
        let agent = try AgentProcess(backend: server.url, cluster: "")
        try await withCleanup {
            try agent.start()
            try await agent.waitForLog("TCS connected")
            let arn = try #require(try await Self.instance(cli, cluster: "default")["containerInstanceArn"] as? String)
            try await cli.ecs(["deregister-container-instance", "--container-instance", arn, "--force"])
            try await agent.waitForLog("ACS says this container instance is inactive")
            try await agent.waitForLog("dropped because the instance is inactive")
            #expect(await agent.stop() == 0)

            try agent.start()
            try await agent.waitForLog("the control plane says this container instance is inactive (deregistered); retrying in 3600 s")
            try await Task.sleep(for: .seconds(1))
            #expect(agent.isRunning, "waiting, not exiting")
            #expect(await agent.stop() == 0, "SIGTERM during registration is a clean stop")
            #expect(agent.log.contains("delete its data directory"))
        } cleanup: {
            await agent.kill9(); await server.stop()
        }
    }
}

extension Subprocess.Result {
    var tuple: (Int32, String, String) { (status, stdout, stderr) }
}
