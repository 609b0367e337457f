import AgentTestSupport
import Foundation
import Synchronization
import Testing

/// ecs-local's placement and services against real agents on real Docker: several agents on
/// this machine (their listeners on free ports), each registered with its own attributes.
@Suite("Placement and services with real agents", .enabled(if: TestEnvironment.integrationEnabled), .serialized, .timeLimit(.minutes(10)))
struct ServicesOnAgentsTests {
    static let agentSettings = [
        "ECS_IMAGE_PULL_BEHAVIOR": "prefer-cached",
        "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "2s",
        "ECS_CONTAINER_STOP_TIMEOUT": "2s",
    ]

    /// A container that stops at once on SIGTERM and otherwise runs until stopped.
    static func register(_ cli: AWSCLI, family: String) async throws {
        let labels = #"{"\#(TestEnvironment.runLabelKey)":"\#(TestEnvironment.runID)"}"#
        try await cli.ecs(["register-task-definition", "--cli-input-json", #"""
            {"family":"\#(family)","containerDefinitions":[{"name":"app","image":"\#(TestEnvironment.testImage)","memory":16,"dockerLabels":\#(labels),
              "command":["sh","-c","trap 'exit 0' TERM; while true; do sleep 1; done"]}]}
            """#])
    }

    static func startAgents(_ server: LocalServerProcess, cluster: String, attributes: [String]) async throws -> [AgentProcess] {
        var agents: [AgentProcess] = []
        for a in attributes {
            var extra = agentSettings
            extra["ECS_INSTANCE_ATTRIBUTES"] = a
            let agent = try AgentProcess(backend: server.url, cluster: cluster, extra: extra)
            try agent.start()
            agents.append(agent)
        }
        for agent in agents { try await agent.waitForLog("ACS connected") }
        return agents
    }

    static func instanceArn(_ agent: AgentProcess) -> String? {
        agent.log.split(separator: "\n").lazy.compactMap { line -> String? in
            guard line.contains("ACS connected"), let field = line.split(separator: " ").first(where: { $0.hasPrefix("containerInstanceArn=") }) else { return nil }
            return String(field.dropFirst("containerInstanceArn=".count))
        }.first
    }

    /// Runs `count` tasks with the given placement arguments, waits for RUNNING, and returns
    /// how many landed on each instance (by DescribeTasks) after checking each has a running container.
    static func run(_ cli: AWSCLI, docker: DockerFixture, cluster: String, count: Int, _ placement: [String]) async throws -> (perInstance: [String: Int], failures: [String]) {
        let out = try await cli.ecs(["run-task", "--cluster", cluster, "--task-definition", "spot", "--count", String(count)] + placement)
        let tasks = out["tasks"] as? [[String: Any]] ?? []
        let failures = (out["failures"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        var per: [String: Int] = [:]
        for task in tasks { per[task["containerInstanceArn"] as? String ?? "", default: 0] += 1 }
        let arns = tasks.compactMap { $0["taskArn"] as? String }
        if !arns.isEmpty {
            try await eventually(timeout: .seconds(60), "\(arns.count) tasks RUNNING in real containers") {
                let described = try await cli.ecs(["describe-tasks", "--cluster", cluster, "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                guard described.allSatisfy({ $0["lastStatus"] as? String == "RUNNING" }) else { return false }
                for arn in arns {
                    let running = try await docker.docker.listContainers(all: false, filters: .label("com.amazonaws.ecs.task-arn=\(arn)"))
                    if running.isEmpty { return false }
                }
                return true
            }
        }
        return (per, failures)
    }

    static func stopAll(_ cli: AWSCLI, cluster: String) async throws {
        let arns = try await cli.ecs(["list-tasks", "--cluster", cluster])["taskArns"] as? [String] ?? []
        for arn in arns { try await cli.ecs(["stop-task", "--cluster", cluster, "--task", arn]) }
        if !arns.isEmpty { try await cli.ecs(["wait", "tasks-stopped", "--cluster", cluster, "--tasks"] + arns) }
    }

    static func removeContainers(_ docker: DockerFixture, cluster: String) async {
        let left = (try? await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.cluster=\(cluster)"))) ?? []
        for c in left { try? await docker.docker.removeContainer(c.id, force: true) }
    }

    @Test("spread, binpack, distinctInstance and memberOf give the documented distributions of real tasks over three agents")
    func placementDistributions() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let cluster = "placement"
            try await cli.ecs(["create-cluster", "--cluster-name", cluster])
            try await Self.register(cli, family: "spot")
            let agents = try await Self.startAgents(server, cluster: cluster, attributes: [
                #"{"zone":"a","stack":"prod"}"#, #"{"zone":"b","stack":"prod"}"#, #"{"zone":"b","stack":"dev"}"#])
            try await withCleanup {
                let arns = agents.map { Self.instanceArn($0) ?? "" }
                try #require(Set(arns).count == 3 && !arns.contains(""), "three instances registered")

                // spread over instances: 6 tasks, 2 on each.
                let spread = try await Self.run(cli, docker: docker, cluster: cluster, count: 6, ["--placement-strategy", "type=spread,field=instanceId"])
                #expect(spread.perInstance.values.sorted() == [2, 2, 2], "\(spread.perInstance)")
                try await Self.stopAll(cli, cluster: cluster)

                // spread over an attribute: zone a gets as many as zone b's two instances together.
                let zones = try await Self.run(cli, docker: docker, cluster: cluster, count: 4, ["--placement-strategy", "type=spread,field=attribute:zone"])
                #expect(zones.perInstance[arns[0]] == 2, "zone a holds half: \(zones.perInstance)")
                try await Self.stopAll(cli, cluster: cluster)

                // binpack memory: the same instance as long as it fits.
                let packed = try await Self.run(cli, docker: docker, cluster: cluster, count: 3, ["--placement-strategy", "type=binpack,field=memory"])
                #expect(packed.perInstance.count == 1 && packed.perInstance.values.first == 3, "\(packed.perInstance)")
                try await Self.stopAll(cli, cluster: cluster)

                // distinctInstance: three tasks of a group on three instances; a fourth has nowhere to go.
                let distinct = try await Self.run(cli, docker: docker, cluster: cluster, count: 4,
                                                  ["--group", "one-each", "--placement-constraints", "type=distinctInstance"])
                #expect(distinct.perInstance.count == 3 && distinct.perInstance.values.allSatisfy { $0 == 1 }, "\(distinct.perInstance)")
                #expect(distinct.failures == ["DistinctInstance placement constraint unsatisfied."] || distinct.failures.contains("DistinctInstance placement constraint unsatisfied."))
                try await Self.stopAll(cli, cluster: cluster)

                // memberOf: only the prod instances.
                let prod = try await Self.run(cli, docker: docker, cluster: cluster, count: 4,
                                              ["--placement-constraints", "type=memberOf,expression=attribute:stack == prod"])
                #expect(Set(prod.perInstance.keys) == [arns[0], arns[1]], "\(prod.perInstance)")
                try await Self.stopAll(cli, cluster: cluster)
                for agent in agents { #expect(await agent.stop() == 0) }
            } cleanup: {
                for agent in agents { await agent.kill9() }
                await server.stop()
                await Self.removeContainers(docker, cluster: cluster)
            }
        }
    }

    @Test("Services on real agents: rolling updates within min/max, a killed container replaced, a daemon on a new instance, draining")
    func services() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess(extraArguments: ["--service-restart-delay-seconds", "1", "--scheduler-interval-ms", "200"])
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let cluster = "services"
            try await cli.ecs(["create-cluster", "--cluster-name", cluster])
            try await Self.register(cli, family: "svc")
            try await Self.register(cli, family: "svc")
            var agents = try await Self.startAgents(server, cluster: cluster, attributes: ["{}", "{}"])
            try await withCleanup {
                func running() async throws -> Int {
                    try await docker.docker.listContainers(all: false, filters: .label("com.amazonaws.ecs.task-definition-family=svc")).count
                }
                func service(_ name: String) async throws -> [String: Any] {
                    (try await cli.ecs(["describe-services", "--cluster", cluster, "--services", name])["services"] as? [[String: Any]])?.first ?? [:]
                }
                func steady(_ name: String, revision: String, count: Int) async throws {
                    try await eventually(timeout: .seconds(120), "\(name) steady on \(revision) with \(count) tasks") {
                        let s = try await service(name)
                        let deployments = s["deployments"] as? [[String: Any]] ?? []
                        let containers = try await running()
                        return deployments.count == 1 && (deployments[0]["taskDefinition"] as? String)?.hasSuffix(revision) == true
                            && s["runningCount"] as? Int == count && s["pendingCount"] as? Int == 0 && containers == count
                    }
                }
                /// Samples the running containers of the service every 100 ms while `body` runs.
                func sampled(_ body: () async throws -> Void) async throws -> [Int] {
                    let samples = Mutex<[Int]>([])
                    let sampler = Task {
                        while !Task.isCancelled {
                            if let n = try? await running() { samples.withLock { $0.append(n) } }
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    defer { sampler.cancel() }
                    try await body()
                    sampler.cancel()
                    _ = await sampler.result
                    return samples.withLock { $0 }
                }

                try await cli.ecs(["create-service", "--cluster", cluster, "--service-name", "web", "--task-definition", "svc:1", "--desired-count", "4",
                                   "--deployment-configuration", "maximumPercent=100,minimumHealthyPercent=50"])
                try await steady("web", revision: "svc:1", count: 4)

                // min 50 % / max 100 %: between 2 and 4 running throughout, then only svc:2.
                let half = try await sampled {
                    try await cli.ecs(["update-service", "--cluster", cluster, "--service", "web", "--task-definition", "svc:2"])
                    try await steady("web", revision: "svc:2", count: 4)
                }
                #expect(half.count > 10 && half.min()! >= 2 && half.max()! <= 4, "running containers sampled: \(half)")

                // min 100 % / max 200 %: never fewer than 4.
                let full = try await sampled {
                    try await cli.ecs(["update-service", "--cluster", cluster, "--service", "web", "--task-definition", "svc:1",
                                       "--deployment-configuration", "maximumPercent=200,minimumHealthyPercent=100"])
                    try await steady("web", revision: "svc:1", count: 4)
                }
                #expect(full.count > 10 && full.min()! >= 4 && full.max()! <= 8, "running containers sampled: \(full)")

                // A killed container: its task stops and the service starts another.
                let victim = try #require(try await docker.docker.listContainers(all: false, filters: .label("com.amazonaws.ecs.task-definition-family=svc")).first)
                try await docker.docker.killContainer(victim.id)
                try await eventually(timeout: .seconds(60), "a replacement for the killed task") {
                    let ids = try await docker.docker.listContainers(all: false, filters: .label("com.amazonaws.ecs.task-definition-family=svc")).map(\.id)
                    return ids.count == 4 && !ids.contains(victim.id)
                }
                let events = (try await service("web")["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
                #expect(events.contains { $0.hasPrefix("(service web) has started 1 tasks") }, "\(events.prefix(5))")

                // DAEMON: one task per instance, and one on an instance that joins.
                try await cli.ecs(["create-service", "--cluster", cluster, "--service-name", "node", "--task-definition", "svc:2", "--scheduling-strategy", "DAEMON"])
                try await eventually(timeout: .seconds(60), "a daemon task on each of the two instances") { (try await service("node"))["runningCount"] as? Int == 2 }
                agents += try await Self.startAgents(server, cluster: cluster, attributes: ["{}"])
                let third = try #require(Self.instanceArn(agents[2]))
                try await eventually(timeout: .seconds(60), "a daemon task on the new instance") {
                    let arns = try await cli.ecs(["list-tasks", "--cluster", cluster, "--container-instance", third])["taskArns"] as? [String] ?? []
                    guard !arns.isEmpty else { return false }
                    let tasks = try await cli.ecs(["describe-tasks", "--cluster", cluster, "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                    return tasks.contains { $0["group"] as? String == "service:node" && $0["lastStatus"] as? String == "RUNNING" }
                }

                // Draining the first instance moves web's tasks to the others.
                let first = try #require(Self.instanceArn(agents[0]))
                try await cli.ecs(["update-container-instances-state", "--cluster", cluster, "--container-instances", first, "--status", "DRAINING"])
                try await eventually(timeout: .seconds(120), "web off the drained instance") {
                    let arns = try await cli.ecs(["list-tasks", "--cluster", cluster, "--service-name", "web"])["taskArns"] as? [String] ?? []
                    guard arns.count == 4 else { return false }
                    let tasks = try await cli.ecs(["describe-tasks", "--cluster", cluster, "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                    return tasks.allSatisfy { $0["containerInstanceArn"] as? String != first && $0["lastStatus"] as? String == "RUNNING" }
                }

                for name in ["web", "node"] {
                    try await cli.ecs(["delete-service", "--cluster", cluster, "--service", name, "--force"])
                }
                try await eventually(timeout: .seconds(60), "every service container stopped") { try await running() == 0 }
                for agent in agents { #expect(await agent.stop() == 0) }
            } cleanup: {
                for agent in agents { await agent.kill9() }
                await server.stop()
                await Self.removeContainers(docker, cluster: cluster)
            }
        }
    }
}
