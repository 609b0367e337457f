import AgentTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// awslogs shipped by the agent: aws CLI → ecs-local → ecs-agent → real dockerd → moto_server's
/// CloudWatch Logs on loopback.
@Suite("awslogs on real Docker", .enabled(if: TestEnvironment.integrationEnabled), .serialized)
struct LogsOnDockerTests {
    static let settings = TasksOnDockerTests.engineSettings.merging([
        "ECS_AWSLOGS_PUBLISH_INTERVAL": "500ms",
    ]) { _, b in b }

    /// Every event of a stream, oldest first, through GetLogEvents paging.
    static func events(_ aws: AWSCLI, group: String, stream: String) async throws -> [(timestamp: Int, message: String)] {
        var out: [(Int, String)] = []
        var token: String?
        while true {
            var args = ["logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream, "--start-from-head"]
            if let token { args += ["--next-token", token] }
            let page = try await aws.json(args)
            let events = page["events"] as? [[String: Any]] ?? []
            out += events.map { ($0["timestamp"] as? Int ?? 0, $0["message"] as? String ?? "") }
            let next = page["nextForwardToken"] as? String
            if events.isEmpty || next == nil || next == token { return out }
            token = next
        }
    }

    static func awslogs(_ moto: MotoServer, group: String, extra: String = "") -> String {
        #"{"logDriver":"awslogs","options":{"awslogs-group":"\#(group)","awslogs-region":"us-west-2","awslogs-endpoint":"\#(moto.url)","awslogs-create-group":"true","awslogs-stream-prefix":"app"\#(extra)}}"#
    }

    @Test("100,000 numbered lines arrive once and in order, with stderr, Unicode, an oversized line split as Docker splits it, and multi-line events joined by pattern and by datetime format")
    func everyLineOnce() async throws {
        try await DockerFixture.with { docker in
            let moto = try MotoServer()
            try await moto.start()
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arn: String?
            try await withCleanup {
                try await server.start()
                let cli = AWSCLI(endpoint: server.url)
                let image = TestEnvironment.testImage
                let main = "seq 1 100000; printf 'héllo wörld ✓ 日本\\n'; echo to-stderr >&2; head -c 300000 /dev/zero | tr '\\0' x; echo"
                let multi = #"printf 'ERROR a\n  at 1\n  at 2\nERROR b\n  at 3\n'"#
                let dated = #"printf '2024-05-01 10:20:30 first\ncontinued\n2024-05-01 10:20:31 second\n'"#
                try await TasksOnDockerTests.register(cli, family: "logs", containers: """
                    [{"name":"main","image":"\(image)","memory":32,"essential":true,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c",\(jsonString(main))],"logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs"))},
                     {"name":"multi","image":"\(image)","memory":16,"essential":false,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c",\(jsonString(multi))],
                      "logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs", extra: #","awslogs-multiline-pattern":"^ERROR""#))},
                     {"name":"dated","image":"\(image)","memory":16,"essential":false,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c",\(jsonString(dated))],
                      "logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs", extra: #","awslogs-datetime-format":"%Y-%m-%d %H:%M:%S""#))}]
                    """)
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.settings)
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "logs"]).string("tasks.0.taskArn"))
                arn = taskArn
                let taskID = String(taskArn.split(separator: "/").last!)
                let aws = AWSCLI(endpoint: moto.url)
                var got: [(timestamp: Int, message: String)] = []
                try await eventually(timeout: .seconds(120), "all 100,003 events of main in CloudWatch Logs") {
                    got = (try? await Self.events(aws, group: "/ecs/logs", stream: "app/main/\(taskID)")) ?? []
                    return got.count >= 100_004
                }
                let numbered = got.map(\.message).filter { $0.first?.isNumber == true }
                #expect(numbered == (1...100_000).map(String.init), "every numbered line once, in order")
                #expect(got.contains { $0.message == "héllo wörld ✓ 日本" })
                #expect(got.contains { $0.message == "to-stderr" })
                let long = got.filter { $0.message.hasPrefix("xxxx") }.map(\.message.utf8.count)
                #expect(long == [262_118, 300_000 - 262_118], "the 300,000-byte line split at Docker's event size")
                #expect(got.count == 100_004)
                #expect(zip(got, got.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp })

                var joined: [String] = []
                try await eventually(timeout: .seconds(30), "the multi-line container's events") {
                    joined = (try? await Self.events(aws, group: "/ecs/logs", stream: "app/multi/\(taskID)"))?.map(\.message) ?? []
                    return joined.count >= 2
                }
                #expect(joined == ["ERROR a\n  at 1\n  at 2\n", "ERROR b\n  at 3\n"])
                var byDate: [String] = []
                try await eventually(timeout: .seconds(30), "the datetime-format container's events") {
                    byDate = (try? await Self.events(aws, group: "/ecs/logs", stream: "app/dated/\(taskID)"))?.map(\.message) ?? []
                    return byDate.count >= 2
                }
                #expect(byDate == ["2024-05-01 10:20:30 first\ncontinued\n", "2024-05-01 10:20:31 second\n"])

                // Docker kept the output in rotated local files, not in its awslogs driver.
                let containers = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)"))
                if let id = containers.first?.id {
                    #expect(try await docker.docker.inspectContainer(id).hostConfig?.logConfig?.type == "local")
                }
            } cleanup: {
                if ProcessInfo.processInfo.environment["ECS_TEST_SHOW_AGENT_LOG"] != nil { print(agent?.allLogs.suffix(12000) ?? "") }
                await agent?.kill9(); await server.stop(); moto.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }

    @Test("Docker mode: the container's LogConfig carries the awslogs options, the documented stream name and the non-blocking buffer size")
    func dockerMode() async throws {
        try await DockerFixture.with { docker in
            let moto = try MotoServer()
            try await moto.start()
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arn: String?
            try await withCleanup {
                try await server.start()
                let cli = AWSCLI(endpoint: server.url)
                try await TasksOnDockerTests.register(cli, family: "dockerlogs", containers: """
                    [{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sleep","3600"],"logConfiguration":\(Self.awslogs(moto, group: "/ecs/docker", extra: #","mode":"non-blocking""#))}]
                    """)
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.settings.merging([
                    "ECS_AWSLOGS_SHIPPING": "docker", "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "60s",
                ]) { _, b in b })
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "dockerlogs"]).string("tasks.0.taskArn"))
                arn = taskArn
                let taskID = String(taskArn.split(separator: "/").last!)
                var config: [String: String] = [:]
                var type: String?
                try await eventually(timeout: .seconds(60), "the container created") {
                    guard let c = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first else { return false }
                    let log = try await docker.docker.inspectContainer(c.id).hostConfig?.logConfig
                    type = log?.type
                    config = log?.config ?? [:]
                    return true
                }
                #expect(type == "awslogs")
                #expect(config["awslogs-group"] == "/ecs/docker")
                #expect(config["awslogs-stream"] == "app/main/\(taskID)")
                #expect(config["awslogs-stream-prefix"] == nil, "Docker's driver does not know the prefix")
                #expect(config["awslogs-endpoint"] == moto.url)
                #expect(config["max-buffer-size"] == "10m")
            } cleanup: {
                if ProcessInfo.processInfo.environment["ECS_TEST_SHOW_AGENT_LOG"] != nil { print(agent?.allLogs.suffix(12000) ?? "") }
                await agent?.kill9(); await server.stop(); moto.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }
}

func jsonString(_ s: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast().description
}

extension LogsOnDockerTests {
    @Test("Every line still arrives while the agent is killed with -9 twice and CloudWatch Logs is away for 60 s; duplicates stay within the batches in flight")
    func chaos() async throws {
        try await DockerFixture.with { docker in
            var moto = try MotoServer()
            try await moto.start()
            let port = moto.port
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arn: String?
            try await withCleanup {
                try await server.start()
                let cli = AWSCLI(endpoint: server.url)
                // 100 chunks of 1,000 numbered lines, 0.8 s apart: about 80 s of output.
                let script = "c=0; while [ $c -lt 100 ]; do seq $((c*1000+1)) $((c*1000+1000)); c=$((c+1)); sleep 0.8; done"
                try await TasksOnDockerTests.register(cli, family: "chaoslogs", containers: """
                    [{"name":"main","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c",\(jsonString(script))],"logConfiguration":\(Self.awslogs(moto, group: "/ecs/chaos"))}]
                    """)
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.settings)
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "chaoslogs"]).string("tasks.0.taskArn"))
                arn = taskArn
                let stream = "app/main/\(taskArn.split(separator: "/").last!)"
                let aws = AWSCLI(endpoint: moto.url)
                func shipped() async -> [String] { ((try? await Self.events(aws, group: "/ecs/chaos", stream: stream)) ?? []).map(\.message) }

                // First kill while shipping.
                try await eventually(timeout: .seconds(60), "5,000 lines shipped") { await shipped().count >= 5_000 }
                await process.kill9()
                try process.start()
                try await eventually(timeout: .seconds(60), "20,000 lines shipped") { await shipped().count >= 20_000 }

                // CloudWatch Logs away for 60 s (moto keeps nothing across a restart: what it
                // holds is read first, with the agent paused so nothing lands in between).
                kill(process.pid, SIGSTOP)
                try await Task.sleep(for: .seconds(1))
                let before = await shipped()
                moto.stop()
                kill(process.pid, SIGCONT)
                try await Task.sleep(for: .seconds(20))
                // Second kill during the outage.
                await process.kill9()
                try process.start()
                try await Task.sleep(for: .seconds(40))
                moto = try MotoServer(port: port)
                try await moto.start()

                var after: [String] = []
                try await eventually(timeout: .seconds(180), "every line shipped") {
                    after = await shipped()
                    return Set(before + after).count >= 100_000
                }
                let all = before + after
                let distinct = Set(all)
                #expect(distinct == Set((1...100_000).map(String.init)), "every line, and nothing else")
                let duplicates = all.count - distinct.count
                print("awslogs chaos: \(all.count) events for 100000 lines, \(duplicates) duplicates (2 kills, 60 s outage; bound 3 batches = \(3 * 10_000))")
                #expect(duplicates <= 3 * 10_000, "duplicates only from batches in flight")
            } cleanup: {
                if let agent { kill(agent.pid, SIGCONT) }
                await agent?.kill9(); await server.stop(); moto.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }
}

extension LogsOnDockerTests {
    @Test("Other drivers pass through: with journald, journalctl CONTAINER_NAME=<name> shows the container's output")
    func journaldDriver() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arn: String?
            try await withCleanup {
                try await server.start()
                let cli = AWSCLI(endpoint: server.url)
                let marker = "journald-marker-\(UUID().uuidString.prefix(8))"
                try await TasksOnDockerTests.register(cli, family: "journaldlogs", containers: """
                    [{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c","echo \(marker); echo \(marker)-err >&2; sleep 3600"],"logConfiguration":{"logDriver":"journald"}}]
                    """)
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.settings.merging([
                    "ECS_AVAILABLE_LOGGING_DRIVERS": #"["json-file","journald","awslogs","none"]"#,
                ]) { _, b in b })
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "journaldlogs"]).string("tasks.0.taskArn"))
                arn = taskArn
                var name = ""
                try await eventually(timeout: .seconds(60), "the container running") {
                    guard let c = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first,
                          c.state == "running" else { return false }
                    name = String((c.names?.first ?? "").drop { $0 == "/" })
                    return true
                }
                var out = ""
                let dockerName = name
                try await eventually(timeout: .seconds(30), "the container's lines in the journal") {
                    out = try await Subprocess.runDetached {
                        try Subprocess.run(["journalctl", "CONTAINER_NAME=\(dockerName)", "-o", "cat", "--no-pager"], environment: [:])
                    }.stdout
                    return out.contains(marker + "-err")
                }
                #expect(out.contains(marker + "\n"))
            } cleanup: {
                await agent?.kill9(); await server.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }
}

extension LogsOnDockerTests {
    @Test("Lines rotated out of Docker's files during a CloudWatch outage are reported: a gap in the log and in /v1/logs, and shipping goes on after it")
    func rotatedAwayDuringOutage() async throws {
        try await DockerFixture.with { docker in
            var moto = try MotoServer()
            try await moto.start()
            let port = moto.port
            let server = try LocalServerProcess()
            var agent: AgentProcess?
            var arn: String?
            try await withCleanup {
                try await server.start()
                let cli = AWSCLI(endpoint: server.url)
                // 1,000 lines; a pause; 100 lines (their put fails: shipping stops reading); a
                // pause; then a burst far larger than the 2 × 100 KB Docker keeps.
                let script = "seq 1 1000; sleep 8; seq 1001 1100; sleep 6; seq 1101 60000; exec sleep 3600"
                try await TasksOnDockerTests.register(cli, family: "gaplogs", containers: """
                    [{"name":"main","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                      "command":["sh","-c",\(jsonString(script))],"logConfiguration":\(Self.awslogs(moto, group: "/ecs/gap"))}]
                    """)
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.settings.merging([
                    "ECS_AWSLOGS_LOCAL_MAX_SIZE": "100k", "ECS_AWSLOGS_LOCAL_MAX_FILE": "2",
                ]) { _, b in b })
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "gaplogs"]).string("tasks.0.taskArn"))
                arn = taskArn
                let stream = "app/main/\(taskArn.split(separator: "/").last!)"
                try await eventually(timeout: .seconds(60), "the first 1,000 lines shipped") {
                    ((try? await Self.events(AWSCLI(endpoint: moto.url), group: "/ecs/gap", stream: stream)) ?? []).count >= 1_000
                }
                moto.stop()
                try await process.waitForLog("shipping to CloudWatch Logs is failing", timeout: .seconds(30))
                try await Task.sleep(for: .seconds(10))
                moto = try MotoServer(port: port)
                try await moto.start()
                try await process.waitForLog("lines were rotated out of Docker's log", timeout: .seconds(90))
                let aws = AWSCLI(endpoint: moto.url)
                var after: [String] = []
                try await eventually(timeout: .seconds(60), "the lines after the gap shipped") {
                    after = ((try? await Self.events(aws, group: "/ecs/gap", stream: stream)) ?? []).map(\.message)
                    return after.last == "60000"
                }
                #expect(after.count < 59_000, "Docker no longer held most of the burst: \(after.count) lines after the outage")
                let introspection = try #require(process.listeningPort("introspection"))
                let body = try await Subprocess.runDetached {
                    try Subprocess.run(["curl", "-s", "-m", "5", "http://127.0.0.1:\(introspection)/v1/logs"], environment: [:])
                }.stdout
                let view = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["Containers"] as? [[String: Any]])
                let entry = try #require(view.first { $0["LogStream"] as? String == stream }, "\(body)")
                #expect((entry["Gaps"] as? Int ?? 0) >= 1, "\(body)")
                #expect(entry["LogGroup"] as? String == "/ecs/gap")
            } cleanup: {
                if ProcessInfo.processInfo.environment["ECS_TEST_SHOW_AGENT_LOG"] != nil { print(agent?.allLogs.suffix(12000) ?? "") }
                await agent?.kill9(); await server.stop(); moto.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }
}
