import AgentTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// aws CLI → ecs-local → ecs-agent → real dockerd, with the busybox test image.
@Suite("Tasks on real Docker through ecs-local", .enabled(if: TestEnvironment.integrationEnabled), .serialized)
struct TasksOnDockerTests {
    static let engineSettings = [
        "ECS_IMAGE_PULL_BEHAVIOR": "prefer-cached",
        "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "2s",
        "ECS_CONTAINER_STOP_TIMEOUT": "2s",
    ]

    static func labels() -> String { #"{"\#(TestEnvironment.runLabelKey)":"\#(TestEnvironment.runID)"}"# }

    static func register(_ cli: AWSCLI, family: String, containers: String, volumes: String = "[]") async throws {
        let input = #"{"family":"\#(family)","containerDefinitions":\#(containers),"volumes":\#(volumes)}"#
        try await cli.ecs(["register-task-definition", "--cli-input-json", input])
    }

    static func describe(_ cli: AWSCLI, _ arn: String) async throws -> [String: Any] {
        try await cli.ecs(["describe-tasks", "--tasks", arn])
    }

    static func container(_ task: [String: Any], _ name: String) -> [String: Any]? {
        (task[path: "tasks.0.containers"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// Removes whatever the agent left of a task (a failed test must not leak containers).
    static func removeLeftovers(_ docker: DockerFixture, taskArn: String?) async {
        guard let taskArn else { return }
        let left = (try? await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)"))) ?? []
        for c in left { try? await docker.docker.removeContainer(c.id, force: true) }
    }

    @Test("A three-container task: init SUCCESS, web on a dynamic port, sidecar after HEALTHY, bind mount and task volume; StopTask; cleanup")
    func threeContainerTask() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let hostDir = try TestEnvironment.temporaryDirectory("bind")
            let image = TestEnvironment.testImage
            let health = #"{"command":["CMD-SHELL","wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"],"interval":1,"timeout":2,"retries":3}"#
            try await Self.register(cli, family: "three", containers: """
                [{"name":"init","image":"\(image)","memory":32,"essential":false,"dockerLabels":\(Self.labels()),
                  "command":["sh","-c","echo seeded > /data/index.html"],"mountPoints":[{"sourceVolume":"scratch","containerPath":"/data"}]},
                 {"name":"web","image":"\(image)","memory":32,"essential":true,"dockerLabels":\(Self.labels()),
                  "command":["sh","-c","exec httpd -f -p 8080 -h /data"],"portMappings":[{"containerPort":8080}],"healthCheck":\(health),
                  "dependsOn":[{"containerName":"init","condition":"SUCCESS"}],"mountPoints":[{"sourceVolume":"scratch","containerPath":"/data"}]},
                 {"name":"sidecar","image":"\(image)","memory":32,"essential":false,"dockerLabels":\(Self.labels()),
                  "command":["sh","-c","echo from-sidecar > /host/out.txt; exec sleep 3600"],
                  "dependsOn":[{"containerName":"web","condition":"HEALTHY"}],"mountPoints":[{"sourceVolume":"host","containerPath":"/host"}]}]
                """, volumes: """
                [{"name":"scratch","dockerVolumeConfiguration":{"scope":"task","driver":"local"}},{"name":"host","host":{"sourcePath":"\(hostDir)"}}]
                """)
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            var taskArn: String?
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let arn = try #require(try await cli.ecs(["run-task", "--task-definition", "three"]).string("tasks.0.taskArn"))
                taskArn = arn
                var task: [String: Any] = [:]
                try await eventually(timeout: .seconds(60), "task RUNNING") {
                    task = try await Self.describe(cli, arn)
                    if task.string("tasks.0.lastStatus") == "STOPPED" { throw FixtureError("stopped: \(task)\n\(agent.log.suffix(4000))") }
                    return task.string("tasks.0.lastStatus") == "RUNNING"
                }
                let web = try #require(Self.container(task, "web"))
                let binding = try #require((web["networkBindings"] as? [[String: Any]])?.first)
                #expect(binding["containerPort"] as? Int == 8080)
                let hostPort = try #require(binding["hostPort"] as? Int)
                let page = try await Subprocess.runDetached {
                    try Subprocess.run(["curl", "-s", "--max-time", "5", "http://127.0.0.1:\(hostPort)/"], environment: [:])
                }.stdout
                #expect(page.trimmingCharacters(in: .whitespacesAndNewlines) == "seeded", "the web server on the reported host port serves the init container's file")
                #expect(Self.container(task, "init")?["exitCode"] as? Int == 0)
                try await eventually("the sidecar's file on the host") {
                    (try? String(contentsOfFile: hostDir + "/out.txt", encoding: .utf8))?.contains("from-sidecar") == true
                }
                let volumes = try await docker.docker.listVolumes().map(\.name).filter { $0.hasPrefix("ecs-three-") }
                #expect(volumes.count == 1, "the task-scoped volume exists while the task runs")

                try await cli.ecs(["stop-task", "--task", arn])
                try await eventually(timeout: .seconds(30), "task STOPPED") { try await Self.describe(cli, arn).string("tasks.0.lastStatus") == "STOPPED" }
                let stopped = try await Self.describe(cli, arn)
                for name in ["web", "sidecar"] {
                    #expect(Self.container(stopped, name)?["lastStatus"] as? String == "STOPPED")
                    #expect(Self.container(stopped, name)?["exitCode"] as? Int != nil, "\(name) has an exit code")
                }
                try await eventually(timeout: .seconds(30), "cleanup removed the containers and the task volume") {
                    let left = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(arn)"))
                    let vols = try await docker.docker.listVolumes().map(\.name).filter { volumes.contains($0) }
                    return left.isEmpty && vols.isEmpty
                }
                #expect(FileManager.default.fileExists(atPath: hostDir + "/out.txt"), "a bind-mounted host directory is never removed")
            } cleanup: {
                await agent.kill9(); await server.stop()
                await Self.removeLeftovers(docker, taskArn: taskArn)
            }
        }
    }

    @Test("An essential container that exits stops the task with its exit code; a container removed behind the agent's back is reported STOPPED")
    func exitsAndRemovals() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let image = TestEnvironment.testImage
            try await Self.register(cli, family: "exit3", containers: """
                [{"name":"main","image":"\(image)","memory":16,"dockerLabels":\(Self.labels()),"command":["sh","-c","sleep 1; exit 3"]}]
                """)
            try await Self.register(cli, family: "forever", containers: """
                [{"name":"main","image":"\(image)","memory":16,"dockerLabels":\(Self.labels()),"command":["sleep","3600"]}]
                """)
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            var arns: [String] = []
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let exiting = try #require(try await cli.ecs(["run-task", "--task-definition", "exit3"]).string("tasks.0.taskArn"))
                let forever = try #require(try await cli.ecs(["run-task", "--task-definition", "forever"]).string("tasks.0.taskArn"))
                arns = [exiting, forever]
                try await eventually(timeout: .seconds(30), "the exiting task STOPPED") { try await Self.describe(cli, exiting).string("tasks.0.lastStatus") == "STOPPED" }
                #expect(Self.container(try await Self.describe(cli, exiting), "main")?["exitCode"] as? Int == 3)

                try await eventually(timeout: .seconds(30), "the other task RUNNING") { try await Self.describe(cli, forever).string("tasks.0.lastStatus") == "RUNNING" }
                let id = try #require(try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(forever)")).first?.id)
                try await docker.docker.removeContainer(id, force: true)
                try await eventually(timeout: .seconds(30), "the removed container's task STOPPED") { try await Self.describe(cli, forever).string("tasks.0.lastStatus") == "STOPPED" }
            } cleanup: {
                await agent.kill9(); await server.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }

    @Test("Crash safety: the agent is killed with SIGKILL at random points during 30 launches; every task ends RUNNING with exactly one container, and nothing leaks after the stop")
    func killNineDuringLaunches() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            try await Self.register(cli, family: "chaos", containers: """
                [{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(Self.labels()),"command":["sleep","3600"]}]
                """)
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            let seed = UInt64(Date().timeIntervalSince1970)
            var random = SeededGenerator(seed: seed)
            var arns: [String] = []
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                for _ in 0..<30 {
                    arns.append(try #require(try await cli.ecs(["run-task", "--task-definition", "chaos"]).string("tasks.0.taskArn")))
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...600, using: &random)))
                    await agent.kill9()
                    try agent.start()
                    // ECS places nothing on an instance whose agent is not connected: the next
                    // RunTask waits for the restarted agent (the kill above hit a launch).
                    try await agent.waitForLog("ACS connected")
                }
                try await agent.waitForLog("ACS connected")
                var summary = ""
                do {
                    try await eventually(timeout: .seconds(120), "all 30 tasks RUNNING (seed \(seed))") {
                        let tasks = try await cli.ecs(["describe-tasks", "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                        summary = tasks.map { "\(($0["taskArn"] as? String ?? "").suffix(8)) \($0["lastStatus"] ?? "") \($0["containers"] ?? "")" }.joined(separator: "\n")
                        return tasks.count == 30 && tasks.allSatisfy { $0["lastStatus"] as? String == "RUNNING" }
                    }
                } catch {
                    Issue.record("\(error)\n\(summary)\n--- agent:\n\(agent.allLogs.suffix(20000))")
                    return
                }
                for arn in arns {
                    let containers = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(arn)"))
                    #expect(containers.count == 1, "task \(arn) has exactly one container (seed \(seed))")
                    #expect(containers.first?.state == "running")
                }
                for arn in arns { try await cli.ecs(["stop-task", "--task", arn]) }
                try await eventually(timeout: .seconds(120), "all STOPPED and cleaned up (seed \(seed))") {
                    let tasks = try await cli.ecs(["describe-tasks", "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                    guard tasks.allSatisfy({ $0["lastStatus"] as? String == "STOPPED" }) else { return false }
                    var left = 0
                    for arn in arns { left += try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(arn)")).count }
                    return left == 0
                }
            } cleanup: {
                await agent.kill9(); await server.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }

    @Test("dockerd restarted under 5 running tasks: the 3 whose containers came back stay RUNNING, the 2 that died while it was down are STOPPED")
    func dockerdRestart() async throws {
        let dockerd = try SecondDockerd()
        let server = try LocalServerProcess()
        var agent: AgentProcess?
        try await withCleanup {
            try await dockerd.start()
            let buildEnvironment = ProcessInfo.processInfo.environment.merging(["DOCKER_HOST": dockerd.host]) { _, b in b }
            let built = try await Subprocess.runDetached { try Subprocess.run(["scripts/busybox-image", "ecs-test/busybox:restart"], environment: buildEnvironment) }
            #expect(built.status == 0, "\(built.stderr)")
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let input = #"{"family":"five","networkMode":"none","containerDefinitions":[{"name":"main","image":"ecs-test/busybox:restart","memory":16,"command":["sleep","3600"]}]}"#
            try await cli.ecs(["register-task-definition", "--cli-input-json", input])
            let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings.merging(["DOCKER_HOST": dockerd.host]) { _, b in b })
            agent = process
            try process.start()
            try await process.waitForLog("ACS connected")
            let arns = (try await cli.ecs(["run-task", "--task-definition", "five", "--count", "5"])["tasks"] as? [[String: Any]] ?? []).compactMap { $0["taskArn"] as? String }
            #expect(arns.count == 5)
            try await eventually(timeout: .seconds(60), "5 tasks RUNNING") {
                let tasks = try await cli.ecs(["describe-tasks", "--tasks"] + arns)["tasks"] as? [[String: Any]] ?? []
                return tasks.count == 5 && tasks.allSatisfy { $0["lastStatus"] as? String == "RUNNING" }
            }
            // The main process of two tasks' containers, killed while dockerd is away.
            var pids: [String: Int32] = [:]
            for arn in arns.prefix(2) {
                let id = try await dockerd.docker(["ps", "-q", "--filter", "label=com.amazonaws.ecs.task-arn=\(arn)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                pids[arn] = Int32(try await dockerd.docker(["inspect", "-f", "{{.State.Pid}}", id]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            await dockerd.stop()
            for pid in pids.values { kill(pid, SIGKILL) }
            try await Task.sleep(for: .seconds(2))
            try await dockerd.start()
            try await process.waitForLog("inspecting every managed container", timeout: .seconds(30))
            try await eventually(timeout: .seconds(30), "the two tasks whose containers died STOPPED") {
                let tasks = try await cli.ecs(["describe-tasks", "--tasks"] + Array(arns.prefix(2)))["tasks"] as? [[String: Any]] ?? []
                return tasks.allSatisfy { $0["lastStatus"] as? String == "STOPPED" }
            }
            try await Task.sleep(for: .seconds(3))
            let survivors = try await cli.ecs(["describe-tasks", "--tasks"] + Array(arns.suffix(3)))["tasks"] as? [[String: Any]] ?? []
            #expect(survivors.allSatisfy { $0["lastStatus"] as? String == "RUNNING" }, "no spurious STOPPED for containers that came back:\n\(survivors)\n\(process.log.suffix(6000))")
            for arn in arns.suffix(3) {
                let state = try await dockerd.docker(["ps", "-q", "--filter", "label=com.amazonaws.ecs.task-arn=\(arn)", "--filter", "status=running"]).stdout
                #expect(!state.isEmpty, "the container of \(arn) still runs")
            }
        } cleanup: {
            await agent?.kill9()
            await server.stop()
            await dockerd.destroy()
        }
    }

    @Test("Secrets from SSM and Secrets Manager and an S3 environment file reach the container (moto); none is logged or saved; a missing one stops the task with a reason")
    func secretsAndEnvironmentFiles() async throws {
        try await DockerFixture.with { docker in
            let moto = try MotoServer()
            try await moto.start()
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arns: [String] = []
            try await withCleanup {
                try await server.start()
                let aws = AWSCLI(endpoint: moto.url)
                for command in [["ssm", "put-parameter", "--name", "/app/db", "--value", "s3cr3t-db", "--type", "SecureString"],
                                ["s3api", "create-bucket", "--bucket", "envs", "--create-bucket-configuration", "LocationConstraint=us-west-2"]] {
                    let (status, _, err) = try await aws.raw(command)
                    #expect(status == 0, "\(command): \(err)")
                }
                let (_, created, _) = try await aws.raw(["secretsmanager", "create-secret", "--name", "api", "--secret-string", #"{"token":"t0ken-api"}"#])
                let secretArn = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["ARN"] as? String)
                let envFile = try TestEnvironment.temporaryDirectory("envfile") + "/app.env"
                try "# settings\nFROM_FILE=yes\nOVERRIDDEN=file\n".write(toFile: envFile, atomically: true, encoding: .utf8)
                let (put, _, putErr) = try await aws.raw(["s3api", "put-object", "--bucket", "envs", "--key", "app.env", "--body", envFile])
                #expect(put == 0, "\(putErr)")

                let hostDir = try TestEnvironment.temporaryDirectory("secrets")
                let cli = AWSCLI(endpoint: server.url)
                let input = """
                    {"family":"secrets","executionRoleArn":"arn:aws:iam::000000000000:role/exec",
                     "volumes":[{"name":"out","host":{"sourcePath":"\(hostDir)"}}],
                     "containerDefinitions":[{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(Self.labels()),
                       "environment":[{"name":"OVERRIDDEN","value":"own"}],
                       "secrets":[{"name":"DB","valueFrom":"/app/db"},{"name":"TOKEN","valueFrom":"\(secretArn):token::"}],
                       "environmentFiles":[{"value":"arn:aws:s3:::envs/app.env","type":"s3"}],
                       "mountPoints":[{"sourceVolume":"out","containerPath":"/out"}],
                       "command":["sh","-c","env > /out/env.txt; exec sleep 3600"]}]}
                    """
                try await cli.ecs(["register-task-definition", "--cli-input-json", input])
                try await cli.ecs(["register-task-definition", "--cli-input-json", input.replacingOccurrences(of: "\"family\":\"secrets\"", with: "\"family\":\"missing\"")
                    .replacingOccurrences(of: "/app/db", with: "/app/nope")])
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings.merging(["AWS_ENDPOINT_URL": moto.url]) { _, b in b })
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let arn = try #require(try await cli.ecs(["run-task", "--task-definition", "secrets"]).string("tasks.0.taskArn"))
                arns.append(arn)
                try await eventually(timeout: .seconds(60), "the container wrote its environment") {
                    if try await Self.describe(cli, arn).string("tasks.0.lastStatus") == "STOPPED" { throw FixtureError("stopped: \(try await Self.describe(cli, arn))") }
                    return FileManager.default.fileExists(atPath: hostDir + "/env.txt")
                }
                try await Task.sleep(for: .milliseconds(200))
                let env = Set((try String(contentsOfFile: hostDir + "/env.txt", encoding: .utf8)).split(separator: "\n").map(String.init))
                for expected in ["DB=s3cr3t-db", "TOKEN=t0ken-api", "FROM_FILE=yes", "OVERRIDDEN=own"] {
                    #expect(env.contains(expected), "\(expected) in the container's environment")
                }
                let missing = try #require(try await cli.ecs(["run-task", "--task-definition", "missing"]).string("tasks.0.taskArn"))
                arns.append(missing)
                try await eventually(timeout: .seconds(30), "the task with a missing secret STOPPED") {
                    try await Self.describe(cli, missing).string("tasks.0.lastStatus") == "STOPPED"
                }
                let reason = Self.container(try await Self.describe(cli, missing), "main")?["reason"] as? String ?? ""
                #expect(reason.contains("ResourceInitializationError") && reason.contains("/app/nope"), "\(reason)")

                #expect(!process.allLogs.contains("s3cr3t-db") && !process.allLogs.contains("t0ken-api"), "a secret reached the agent's log")
                var saved = Data()
                for suffix in ["", "-wal"] { saved += (try? Data(contentsOf: URL(fileURLWithPath: process.dataDirectory + "/data/agent.db" + suffix))) ?? Data() }
                #expect(!saved.isEmpty)
                #expect(saved.range(of: Data("s3cr3t-db".utf8)) == nil && saved.range(of: Data("t0ken-api".utf8)) == nil, "a secret reached the state database")
            } cleanup: {
                await agent?.kill9(); await server.stop(); await moto.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }

    @Test("TCS gets the task's CPU (percent of a core) and memory (MiB) as CWStatsSets, and its container health")
    func telemetry() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let health = #"{"command":["CMD-SHELL","true"],"interval":1,"timeout":2,"retries":3}"#
            try await Self.register(cli, family: "busy", containers: """
                [{"name":"spin","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(Self.labels()),"healthCheck":\(health),
                  "command":["sh","-c","while :; do :; done"]}]
                """)
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            var arn: String?
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "busy"]).string("tasks.0.taskArn"))
                arn = taskArn
                var metric: [String: Any] = [:], healthEntry: [String: Any] = [:]
                try await eventually(timeout: .seconds(75), every: .seconds(1), "task metrics and health at ecs-local") {
                    let text = try await Subprocess.runDetached { try Subprocess.run(["curl", "-s", server.url + "/admin/telemetry"], environment: [:]) }.stdout
                    let all = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: [String: Any]]] ?? [:]).values.first ?? [:]
                    metric = all["PublishMetricsRequest \(taskArn)"]?["message"] as? [String: Any] ?? [:]
                    healthEntry = all["PublishHealthRequest \(taskArn)"]?["message"] as? [String: Any] ?? [:]
                    let status = (healthEntry["containers"] as? [[String: Any]])?.first?["healthStatus"] as? String
                    // CPU needs two samples (10 s apart): the first publish may carry memory only.
                    let cpuSamples = ((metric["containerMetrics"] as? [[String: Any]])?.first?["cpuStatsSet"] as? [String: Any])?["sampleCount"] as? Int ?? 0
                    return cpuSamples >= 1 && status == "HEALTHY"
                }
                let container = try #require((metric["containerMetrics"] as? [[String: Any]])?.first)
                #expect(container["containerName"] as? String == "spin")
                let cpu = try #require(container["cpuStatsSet"] as? [String: Any])
                let memory = try #require(container["memoryStatsSet"] as? [String: Any])
                #expect((cpu["sampleCount"] as? Int ?? 0) >= 1)
                #expect((cpu["max"] as? Double ?? 0) > 20, "a spinning shell uses a good part of a core: \(cpu)")
                #expect((cpu["max"] as? Double ?? 0) <= 250, "percent of one core, not of the host: \(cpu)")
                #expect((memory["max"] as? Double ?? -1) >= 0 && (memory["max"] as? Double ?? 100) < 32, "MiB: \(memory)")
            } cleanup: {
                await agent.kill9(); await server.stop()
                await Self.removeLeftovers(docker, taskArn: arn)
            }
        }
    }

    @Test("Task-level cpu and memory become a task cgroup (CFS quota, memory limit) that the containers run under; it is removed at cleanup")
    func taskCgroup() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let input = #"{"family":"limited","cpu":"256","memory":"64","containerDefinitions":[{"name":"main","image":"\#(TestEnvironment.testImage)","dockerLabels":\#(Self.labels()),"command":["sleep","3600"]}]}"#
            try await cli.ecs(["register-task-definition", "--cli-input-json", input])
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            var arn: String?
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "limited"]).string("tasks.0.taskArn"))
                arn = taskArn
                do {
                    try await eventually(timeout: .seconds(30), "RUNNING") {
                        let task = try await Self.describe(cli, taskArn)
                        if task.string("tasks.0.lastStatus") == "STOPPED" { throw FixtureError("stopped: \(task)") }
                        return task.string("tasks.0.lastStatus") == "RUNNING"
                    }
                } catch {
                    throw FixtureError("\(error)\n\(agent.log.suffix(4000))")
                }
                let id = String(taskArn.split(separator: "/").last!)
                let container = try #require(try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first)
                let inspected = try await Subprocess.runDetached { try Subprocess.run(["docker", "inspect", "-f", "{{.HostConfig.CgroupParent}}", container.id], environment: ProcessInfo.processInfo.environment) }
                #expect(inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "/ecs/\(id)")
                let unified = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
                func read(_ path: String) -> String { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
                if unified {
                    #expect(read("/sys/fs/cgroup/ecs/\(id)/cpu.max") == "25000 100000")
                    #expect(read("/sys/fs/cgroup/ecs/\(id)/memory.max") == String(64 << 20))
                } else {
                    #expect(read("/sys/fs/cgroup/cpu/ecs/\(id)/cpu.cfs_quota_us") == "25000")
                    #expect(read("/sys/fs/cgroup/memory/ecs/\(id)/memory.limit_in_bytes") == String(64 << 20))
                }
                try await cli.ecs(["stop-task", "--task", taskArn])
                let dir = unified ? "/sys/fs/cgroup/ecs/\(id)" : "/sys/fs/cgroup/memory/ecs/\(id)"
                try await eventually(timeout: .seconds(30), "the task cgroup removed at cleanup") { !FileManager.default.fileExists(atPath: dir) }
            } cleanup: {
                await agent.kill9(); await server.stop()
                await Self.removeLeftovers(docker, taskArn: arn)
            }
        }
    }

    @Test("Two tasks that want host port 8080: the second, placed while the first is stopping, waits and starts within 1 s of the first stopping")
    func sameStaticPort() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            // sleep as PID 1 ignores SIGTERM: the first task takes its whole stopTimeout to stop.
            try await Self.register(cli, family: "port8080", containers: """
                [{"name":"web","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(Self.labels()),"stopTimeout":8,
                  "portMappings":[{"containerPort":80,"hostPort":8080}],"command":["sleep","3600"]}]
                """)
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings)
            var arns: [String] = []
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let first = try #require(try await cli.ecs(["run-task", "--task-definition", "port8080"]).string("tasks.0.taskArn"))
                arns.append(first)
                try await eventually(timeout: .seconds(30), "first RUNNING") { try await Self.describe(cli, first).string("tasks.0.lastStatus") == "RUNNING" }
                try await cli.ecs(["stop-task", "--task", first])
                let second = try #require(try await cli.ecs(["run-task", "--task-definition", "port8080"]).string("tasks.0.taskArn"), "ecs-local places it in the stopping task's slot")
                arns.append(second)
                // No "is it still PENDING" probe at a fixed moment: on a loaded machine the aws CLI
                // alone can outlast the stop timeout. The timestamps say the same thing exactly:
                // the second was created while the first was still running, and started after it.
                try await eventually(timeout: .seconds(60), "second RUNNING") { try await Self.describe(cli, second).string("tasks.0.lastStatus") == "RUNNING" }
                let firstDone = try await Self.describe(cli, first)
                let stoppedAt = try #require(firstDone[path: "tasks.0.stoppedAt"] as? Double)
                let startedAt = try #require(try await Self.describe(cli, second)[path: "tasks.0.startedAt"] as? Double)
                let createdAt = try #require(try await Self.describe(cli, second)[path: "tasks.0.createdAt"] as? Double)
                #expect(createdAt < stoppedAt, "the second was placed while the first was still stopping")
                // About 0.3 s on an idle machine (create + start); the bound leaves room for a loaded test run.
                #expect(startedAt - stoppedAt < 2.5, "started \(startedAt - stoppedAt) s after the first stopped")
                print("port 8080: the second task started \(startedAt - stoppedAt) s after the first stopped")
                #expect(startedAt >= stoppedAt, "not before")
            } cleanup: {
                await agent.kill9(); await server.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }
}
