import AgentTestSupport
import Foundation
import Testing

/// Every operation ecs-local serves, driven by the real aws CLI and its output parsed.
@Suite("Every ECS operation through the aws CLI", .enabled(if: TestEnvironment.integrationEnabled, "needs the aws CLI: run scripts/test"))
struct CLIOperationsTests {
    @Test("Clusters, task definitions, instances, attributes, tags, tasks, agent calls and task protection")
    func everyOperation() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        defer { Task { await server.stop() } }
        let cli = AWSCLI(endpoint: server.url)

        // Clusters.
        try await cli.ecs(["create-cluster", "--cluster-name", "ops", "--tags", "key=env,value=test"])
        try await cli.ecs(["create-cluster", "--cluster-name", "scratch"])
        #expect((try await cli.ecs(["list-clusters"])["clusterArns"] as? [String])?.count == 2)
        let described = try await cli.ecs(["describe-clusters", "--clusters", "ops", "missing", "--include", "TAGS"])
        #expect(described.string("clusters.0.clusterName") == "ops")
        #expect(described.string("failures.0.reason") == "MISSING")
        #expect(try await cli.ecs(["delete-cluster", "--cluster", "scratch"]).string("cluster.status") == "INACTIVE")

        // Task definitions.
        let td = try await cli.ecs(["register-task-definition", "--family", "app", "--network-mode", "bridge", "--cpu", "256", "--memory", "512",
                              "--container-definitions", #"[{"name":"app","image":"busybox","essential":true,"portMappings":[{"containerPort":80,"hostPort":0}],"healthCheck":{"command":["CMD","true"]},"dependsOn":[],"environment":[{"name":"A","value":"1"}]}]"#])
        let tdArn = try #require(td.string("taskDefinition.taskDefinitionArn"))
        try await cli.ecs(["register-task-definition", "--family", "app", "--container-definitions", #"[{"name":"app","image":"busybox","memory":64}]"#])
        #expect(try await cli.ecs(["describe-task-definition", "--task-definition", "app"])[path: "taskDefinition.revision"] as? Int == 2)
        #expect(try await cli.ecs(["describe-task-definition", "--task-definition", tdArn, "--include", "TAGS"])[path: "taskDefinition.revision"] as? Int == 1)
        #expect((try await cli.ecs(["list-task-definitions", "--family-prefix", "app"])["taskDefinitionArns"] as? [String])?.count == 2)
        #expect((try await cli.ecs(["list-task-definition-families"])["families"] as? [String]) == ["app"])
        #expect(try await cli.ecs(["deregister-task-definition", "--task-definition", "app:2"]).string("taskDefinition.status") == "INACTIVE")

        // Container instances, attributes and tags.
        let agent = ScriptedAgent(cli: cli, cluster: "ops")
        try await agent.register(attributes: [("zone", "a")])
        let instance = agent.instanceArn
        #expect((try await cli.ecs(["list-container-instances", "--cluster", "ops"])["containerInstanceArns"] as? [String]) == [instance])
        try await cli.ecs(["put-attributes", "--cluster", "ops", "--attributes", "name=color,value=blue,targetId=\(instance)"])
        #expect(try await cli.ecs(["list-attributes", "--cluster", "ops", "--target-type", "container-instance", "--attribute-name", "color"]).string("attributes.0.value") == "blue")
        try await cli.ecs(["delete-attributes", "--cluster", "ops", "--attributes", "name=color,targetId=\(instance)"])
        #expect((try await cli.ecs(["list-attributes", "--cluster", "ops", "--target-type", "container-instance", "--attribute-name", "color"])["attributes"] as? [Any])?.isEmpty == true)
        try await cli.ecs(["tag-resource", "--resource-arn", instance, "--tags", "key=role,value=web"])
        #expect(try await cli.ecs(["list-tags-for-resource", "--resource-arn", instance]).string("tags.0.value") == "web")
        try await cli.ecs(["untag-resource", "--resource-arn", instance, "--tag-keys", "role"])
        #expect((try await cli.ecs(["list-tags-for-resource", "--resource-arn", instance])["tags"] as? [Any])?.isEmpty == true)
        #expect(try await cli.ecs(["discover-poll-endpoint", "--container-instance", instance, "--cluster", "ops"]).string("endpoint")?.hasPrefix(server.url) == true)
        try await agent.connect()
        try await eventually("agentConnected") {
            try await cli.ecs(["describe-container-instances", "--cluster", "ops", "--container-instances", instance])[path: "containerInstances.0.agentConnected"] as? Bool == true
        }

        // Tasks.
        let run = try await cli.ecs(["run-task", "--cluster", "ops", "--task-definition", "app:1", "--count", "2", "--group", "g1", "--started-by", "ops-test",
                               "--overrides", #"{"containerOverrides":[{"name":"app","command":["echo","x"]}]}"#, "--tags", "key=k,value=v"])
        let tasks = (run["tasks"] as? [[String: Any]])?.compactMap { $0["taskArn"] as? String } ?? []
        #expect(tasks.count == 2)
        let started = try await cli.ecs(["start-task", "--cluster", "ops", "--task-definition", "app:1", "--container-instances", instance])
        let third = try #require(started.string("tasks.0.taskArn"))
        #expect((try await cli.ecs(["list-tasks", "--cluster", "ops", "--started-by", "ops-test"])["taskArns"] as? [String])?.count == 2)
        #expect((try await cli.ecs(["list-tasks", "--cluster", "ops", "--family", "app", "--container-instance", instance])["taskArns"] as? [String])?.count == 3)
        #expect(try await cli.ecs(["describe-tasks", "--cluster", "ops", "--tasks", tasks[0], "--include", "TAGS"]).string("tasks.0.tags.0.key") == "k")
        try await cli.ecs(["submit-container-state-change", "--cluster", "ops", "--task", third, "--container-name", "app", "--runtime-id", "r1", "--status", "RUNNING"])
        #expect(try await cli.ecs(["describe-tasks", "--cluster", "ops", "--tasks", third]).string("tasks.0.containers.0.runtimeId") == "r1")
        try await cli.ecs(["submit-task-state-change", "--cluster", "ops", "--task", third, "--status", "RUNNING"])
        #expect(try await cli.ecs(["submit-attachment-state-changes", "--cluster", "ops", "--attachments", "attachmentArn=arn:aws:ecs:us-west-2:000000000000:attachment/x,status=ATTACHED"]).string("acknowledgment") == "ok")
        let protection = try await cli.ecs(["update-task-protection", "--cluster", "ops", "--tasks", third, "--protection-enabled", "--expires-in-minutes", "10"])
        #expect(protection[path: "protectedTasks.0.protectionEnabled"] as? Bool == true)
        #expect(try await cli.ecs(["get-task-protection", "--cluster", "ops", "--tasks", third])[path: "protectedTasks.0.protectionEnabled"] as? Bool == true)
        #expect(try await cli.ecs(["stop-task", "--cluster", "ops", "--task", third]).string("task.desiredStatus") == "STOPPED")
        #expect((try await cli.ecs(["list-tasks", "--cluster", "ops", "--desired-status", "STOPPED"])["taskArns"] as? [String]) == [third])

        // Draining, then deregistration (forced, since tasks are there).
        #expect(try await cli.ecs(["update-container-instances-state", "--cluster", "ops", "--container-instances", instance, "--status", "DRAINING"]).string("containerInstances.0.status") == "DRAINING")
        let (status, _, err) = try await cli.raw(["ecs", "deregister-container-instance", "--cluster", "ops", "--container-instance", instance])
        #expect(status != 0 && err.contains("InvalidParameterException"))
        try await cli.ecs(["deregister-container-instance", "--cluster", "ops", "--container-instance", instance, "--force"])
        #expect((try await cli.ecs(["list-container-instances", "--cluster", "ops"])["containerInstanceArns"] as? [String]) == [])
        await agent.disconnect()
    }

    @Test("Errors come back in AWS's shape and the CLI names them", arguments: [
        (["describe-task-definition", "--task-definition", "nope"], "ClientException"),
        (["run-task", "--cluster", "ghost", "--task-definition", "x"], "ClusterNotFoundException"),
        (["register-task-definition", "--family", "f", "--container-definitions", #"[{"name":"a","image":"i"}]"#], "ClientException"),
        (["stop-task", "--task", "arn:aws:ecs:us-west-2:000000000000:task/default/abc"], "InvalidParameterException"),
        (["describe-container-instances", "--container-instances", "x", "--cluster", "nowhere"], "ClusterNotFoundException"),
    ])
    func errors(arguments: [String], type: String) async throws {
        let server = try LocalServerProcess()
        try await server.start()
        defer { Task { await server.stop() } }
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster"])
        let (status, _, err) = try await cli.raw(["ecs"] + arguments)
        #expect(status != 0)
        #expect(err.contains("(\(type))"), "\(err)")
    }
}
