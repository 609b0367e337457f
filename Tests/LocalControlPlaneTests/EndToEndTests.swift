import AWSSupport
import AgentTestSupport
import ECSModel
import Foundation
import Testing

/// The real `aws` CLI against a real `ecs-local` process, with a scripted agent peer.
@Suite("ecs-local end to end, with the aws CLI", .enabled(if: TestEnvironment.integrationEnabled, "needs the aws CLI: run scripts/test"), .serialized)
struct EndToEndTests {
    func withServer(_ arguments: [String] = ["--heartbeat-seconds", "1"], _ body: (LocalServerProcess, AWSCLI) async throws -> Void) async throws {
        let server = try LocalServerProcess(extraArguments: arguments)
        try await server.start()
        do {
            try await body(server, AWSCLI(endpoint: server.url))
        } catch {
            _ = await server.stop()
            throw error
        }
        let status = await server.stop()
        #expect(status == 0, "ecs-local did not exit cleanly on SIGTERM: \(server.log.suffix(2000))")
    }

    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/examples").standardized.path

    @Test("A scripted agent registers, receives a payload, acks it, reports RUNNING then STOPPED; aws ecs wait works")
    func taskLifecycle() async throws {
        try await withServer { _, cli in
            try await cli.ecs(["create-cluster", "--cluster-name", "e2e"])
            let registered = try await cli.ecs(["register-task-definition", "--cli-input-json", "file://\(Self.examples)/web-dynamic-port-awslogs.json"])
            #expect(registered.string("taskDefinition.taskDefinitionArn")?.hasSuffix("task-definition/web:1") == true)

            let agent = ScriptedAgent(cli: cli, cluster: "e2e")
            let registration = try await agent.register(attributes: [("ecs.capability.container-ordering", nil), ("stack", "prod")])
            let attributes = registration[path: "containerInstance.attributes"] as? [[String: Any]] ?? []
            #expect(attributes.contains { $0["name"] as? String == "stack" && $0["value"] as? String == "prod" })
            #expect(attributes.contains { $0["name"] as? String == "ecs.capability.container-ordering" })
            try await agent.connect()
            try await eventually("agentConnected") {
                try await cli.ecs(["describe-container-instances", "--cluster", "e2e", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == true
            }

            let run = try await cli.ecs(["run-task", "--cluster", "e2e", "--task-definition", "web", "--started-by", "e2e-test"])
            let taskArn = try #require(run.string("tasks.0.taskArn"))
            #expect(run.string("tasks.0.lastStatus") == "PENDING")
            let payload = try await agent.waitForPayload()
            #expect(payload.tasks?.first?.arn == taskArn)
            #expect(payload.containerInstanceArn == agent.instanceArn)
            try agent.ack(payload)

            try await cli.ecs(["submit-task-state-change", "--cluster", "e2e", "--task", taskArn, "--status", "RUNNING", "--reason", "",
                         "--containers", #"[{"containerName":"web","runtimeId":"c0ffee","status":"RUNNING","networkBindings":[{"bindIP":"0.0.0.0","containerPort":8080,"hostPort":49160,"protocol":"tcp"}]}]"#])
            try await cli.ecs(["wait", "tasks-running", "--cluster", "e2e", "--tasks", taskArn])
            let running = try await cli.ecs(["describe-tasks", "--cluster", "e2e", "--tasks", taskArn])
            #expect(running.string("tasks.0.lastStatus") == "RUNNING")
            #expect(running[path: "tasks.0.containers.0.networkBindings.0.hostPort"] as? Int == 49160)
            #expect(running.string("tasks.0.containers.0.runtimeId") == "c0ffee")

            try await cli.ecs(["stop-task", "--cluster", "e2e", "--task", taskArn, "--reason", "e2e done"])
            let stopPayload = try await agent.waitForPayload(after: 1)
            #expect(stopPayload.tasks?.first?.desiredStatus == "STOPPED")
            try agent.ack(stopPayload)
            try await cli.ecs(["submit-task-state-change", "--cluster", "e2e", "--task", taskArn, "--status", "STOPPED", "--reason", "Task stopped by user",
                         "--containers", #"[{"containerName":"web","status":"STOPPED","exitCode":143}]"#])
            try await cli.ecs(["wait", "tasks-stopped", "--cluster", "e2e", "--tasks", taskArn])
            let stopped = try await cli.ecs(["describe-tasks", "--cluster", "e2e", "--tasks", taskArn])
            #expect(stopped.string("tasks.0.lastStatus") == "STOPPED")
            #expect(stopped[path: "tasks.0.containers.0.exitCode"] as? Int == 143)
            #expect(stopped.string("tasks.0.stoppedReason") == "e2e done")

            // Heartbeats arrive at the configured pace.
            #expect(agent.frames.contains { $0.type == "HeartbeatMessage" })
            await agent.disconnect()
        }
    }

    @Test("A payload not acknowledged before a disconnect comes again on reconnect")
    func resendAfterReconnect() async throws {
        try await withServer { _, cli in
            try await cli.ecs(["create-cluster"])
            try await cli.ecs(["register-task-definition", "--family", "sleep", "--container-definitions", #"[{"name":"s","image":"busybox","memory":32,"command":["sleep","60"]}]"#])
            let agent = ScriptedAgent(cli: cli, cluster: "default")
            try await agent.register()
            try await agent.connect()
            try await eventually("agentConnected") {
                try await cli.ecs(["describe-container-instances", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == true
            }
            try await cli.ecs(["run-task", "--task-definition", "sleep"])
            let first = try await agent.waitForPayload()
            await agent.disconnect()          // no ack
            try await eventually("agentConnected=false") {
                try await cli.ecs(["describe-container-instances", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == false
            }
            let again = ScriptedAgent(cli: cli, cluster: "default")
            try await again.register()  // a second instance, to show the payload goes to its own instance only
            try await again.connect()
            let reconnect = ScriptedAgent(cli: cli, cluster: "default")
            try reconnect.adopt(agent.instanceArn)
            try await reconnect.connect()
            let resent = try await reconnect.waitForPayload()
            #expect(resent.messageId == first.messageId)
            #expect(resent.tasks?.first?.arn == first.tasks?.first?.arn)
            try reconnect.ack(resent)
            try await Task.sleep(for: .milliseconds(300))
            #expect(again.payloads.isEmpty)
            await reconnect.disconnect()
            await again.disconnect()

            // Acknowledged now: a further reconnect brings nothing.
            let last = ScriptedAgent(cli: cli, cluster: "default")
            try last.adopt(agent.instanceArn)
            try await last.connect()
            try await eventually("a heartbeat") { last.frames.contains { $0.type == "HeartbeatMessage" } }
            #expect(last.payloads.isEmpty)
            await last.disconnect()
        }
    }

    @Test("Over-subscribing CPU, memory or a static port gives the AWS failure reasons through the CLI")
    func oversubscription() async throws {
        try await withServer { _, cli in
            try await cli.ecs(["create-cluster"])
            let agent = ScriptedAgent(cli: cli, cluster: "default")
            try await agent.register(cpu: 1024, memory: 512)
            try await agent.connect()
            try await eventually("agentConnected") {
                try await cli.ecs(["describe-container-instances", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == true
            }
            try await cli.ecs(["register-task-definition", "--family", "cpu", "--container-definitions", #"[{"name":"a","image":"i","cpu":2048,"memory":8}]"#])
            try await cli.ecs(["register-task-definition", "--family", "mem", "--container-definitions", #"[{"name":"a","image":"i","memory":1024}]"#])
            try await cli.ecs(["register-task-definition", "--family", "port", "--container-definitions", #"[{"name":"a","image":"i","memory":8,"portMappings":[{"containerPort":80,"hostPort":8080}]}]"#])
            for (family, reason) in [("cpu", "RESOURCE:CPU"), ("mem", "RESOURCE:MEMORY")] {
                let out = try await cli.ecs(["run-task", "--task-definition", family])
                #expect(out.string("failures.0.reason") == reason)
                #expect((out["tasks"] as? [Any])?.isEmpty == true)
            }
            #expect(try await cli.ecs(["run-task", "--task-definition", "port"])[path: "tasks.0.taskArn"] != nil)
            #expect(try await cli.ecs(["run-task", "--task-definition", "port"]).string("failures.0.reason") == "RESOURCE:PORTS")
            await agent.disconnect()
        }
    }

    @Test("State survives a restart of ecs-local; a wrong secret is refused with an AWS error")
    func restartAndSignature() async throws {
        let dir = try TestEnvironment.temporaryDirectory("ecs-local-restart")
        let first = try LocalServerProcess(dataDirectory: dir)
        try await first.start()
        try await AWSCLI(endpoint: first.url).ecs(["create-cluster", "--cluster-name", "kept"])
        #expect(await first.stop() == 0)
        let second = try LocalServerProcess(dataDirectory: dir)
        try await second.start()
        var cli = AWSCLI(endpoint: second.url)
        #expect((try await cli.ecs(["list-clusters"])["clusterArns"] as? [String])?.first?.hasSuffix("cluster/kept") == true)
        cli.secretAccessKey = "wrong"
        let (status, _, err) = try await cli.raw(["ecs", "list-clusters"])
        #expect(status != 0)
        #expect(err.contains("InvalidSignatureException"))
        #expect(await second.stop() == 0)
        let third = try LocalServerProcess(dataDirectory: dir, extraArguments: ["--reset"])
        try await third.start()
        #expect((try await AWSCLI(endpoint: third.url).ecs(["list-clusters"])["clusterArns"] as? [String]) == [])
        #expect(await third.stop() == 0)
    }
}

@Suite("ecs-local role credentials and shutdown", .enabled(if: TestEnvironment.integrationEnabled, "needs moto and the aws CLI: run scripts/test"), .serialized)
struct CredentialsAndShutdownTests {
    @Test("With --sts-endpoint, task and execution roles get credentials from STS AssumeRole (moto)")
    func stsCredentials() async throws {
        let moto = try MotoServer()
        try await moto.start()
        defer { Task { await moto.stop() } }
        let server = try LocalServerProcess(extraArguments: ["--sts-endpoint", moto.url])
        try await server.start()
        defer { Task { await server.stop() } }
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster"])
        try await cli.ecs(["register-task-definition", "--family", "roles", "--task-role-arn", "arn:aws:iam::000000000000:role/app",
                     "--execution-role-arn", "arn:aws:iam::000000000000:role/exec", "--container-definitions", #"[{"name":"a","image":"i","memory":16}]"#])
        let agent = ScriptedAgent(cli: cli, cluster: "default")
        try await agent.register()
        try await agent.connect()
        try await eventually("agentConnected") {
            try await cli.ecs(["describe-container-instances", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == true
        }
        try await cli.ecs(["run-task", "--task-definition", "roles"])
        let task = try #require(try await agent.waitForPayload().tasks?.first)
        let role = try #require(task.roleCredentials)
        let execution = try #require(task.executionRoleCredentials)
        #expect(role.accessKeyId?.hasPrefix("ASIA") == true && role.accessKeyId != "ASIALOCALROLE")
        #expect(role.sessionToken?.isEmpty == false)
        #expect(role.roleArn == "arn:aws:iam::000000000000:role/app")
        #expect(execution.roleArn == "arn:aws:iam::000000000000:role/exec")
        #expect(role.expiration?.hasSuffix("Z") == true)
        #expect(!server.log.contains(role.secretAccessKey ?? "never"), "a role secret reached ecs-local's log")
        await agent.disconnect()
    }

    @Test("On SIGTERM, connected agents get a CloseMessage and ecs-local exits 0")
    func closeOnShutdown() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster"])
        let agent = ScriptedAgent(cli: cli, cluster: "default")
        try await agent.register()
        try await agent.connect()
        try await eventually("agentConnected") {
            try await cli.ecs(["describe-container-instances", "--container-instances", agent.instanceArn])[path: "containerInstances.0.agentConnected"] as? Bool == true
        }
        #expect(await server.stop() == 0)
        #expect(agent.frames.contains { $0.type == "CloseMessage" })
        _ = await agent.connectionResult()
    }
}

extension ScriptedAgent {
    /// Takes over an instance registered by another peer (a reconnecting agent).
    func adopt(_ arn: String) throws {
        setInstance(arn)
    }
}
