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

    /// Every event of a stream, oldest first, through GetLogEvents paging: one aws CLI run (about
    /// a second of CPU) per page, so the tests poll it every 3 s, not every 50 ms.
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

    /// moto_server (CloudWatch Logs), ecs-local and, once started, an agent: what every test here
    /// needs, stopped and cleaned up whatever happens (the agent's log is printed when
    /// ECS_TEST_SHOW_AGENT_LOG is set).
    final class Stack: @unchecked Sendable {
        var moto: MotoServer
        let server: LocalServerProcess
        let docker: DockerFixture
        var agent: AgentProcess?
        var taskArn: String?

        init(docker: DockerFixture) throws {
            self.docker = docker
            moto = try MotoServer()
            server = try LocalServerProcess()
        }

        var cli: AWSCLI { AWSCLI(endpoint: server.url) }
        var logs: AWSCLI { AWSCLI(endpoint: moto.url) }

        func startAgent(_ extra: [String: String] = [:]) async throws -> AgentProcess {
            let process = try AgentProcess(backend: server.url, cluster: "", extra: LogsOnDockerTests.settings.merging(extra) { _, b in b })
            agent = process
            try process.start()
            try await process.waitForLog("ACS connected")
            return process
        }

        /// Registers `containers` as `family` and runs one task of it: its ARN and ID.
        func run(family: String, containers: String) async throws -> (arn: String, id: String) {
            try await TasksOnDockerTests.register(cli, family: family, containers: containers)
            let arn = try #require(try await cli.ecs(["run-task", "--task-definition", family]).string("tasks.0.taskArn"))
            taskArn = arn
            return (arn, String(arn.split(separator: "/").last!))
        }

        /// Every event's message of a stream in moto.
        func messages(_ group: String, _ stream: String) async -> [String] {
            ((try? await LogsOnDockerTests.events(logs, group: group, stream: stream)) ?? []).map(\.message)
        }

        /// moto started again on its port (it keeps nothing across a restart).
        func restartMoto() async throws {
            moto = try MotoServer(port: moto.port)
            try await moto.start()
        }

        static func with(_ body: (Stack) async throws -> Void) async throws {
            try await DockerFixture.with { docker in
                let stack = try Stack(docker: docker)
                try await withCleanup {
                    try await stack.moto.start()
                    try await stack.server.start()
                    try await body(stack)
                } cleanup: {
                    if let agent = stack.agent {
                        if ProcessInfo.processInfo.environment["ECS_TEST_SHOW_AGENT_LOG"] != nil { print(agent.allLogs.suffix(12000)) }
                        await agent.kill9()
                    }
                    await stack.server.stop()
                    await stack.moto.stop()
                    await TasksOnDockerTests.removeLeftovers(docker, taskArn: stack.taskArn)
                }
            }
        }
    }

    @Test("100,000 numbered lines arrive once and in order, with stderr, Unicode, an oversized line split as Docker splits it, and multi-line events joined by pattern and by datetime format")
    func everyLineOnce() async throws {
        try await Stack.with { stack in
            let image = TestEnvironment.testImage
            let main = "seq 1 100000; printf 'héllo wörld ✓ 日本\\n'; echo to-stderr >&2; head -c 300000 /dev/zero | tr '\\0' x; echo"
            let multi = #"printf 'ERROR a\n  at 1\n  at 2\nERROR b\n  at 3\n'"#
            let dated = #"printf '2024-05-01 10:20:30 first\ncontinued\n2024-05-01 10:20:31 second\n'"#
            let moto = stack.moto
            _ = try await stack.startAgent()
            let (taskArn, taskID) = try await stack.run(family: "logs", containers: """
                [{"name":"main","image":"\(image)","memory":32,"essential":true,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(jsonString(main))],"logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs"))},
                 {"name":"multi","image":"\(image)","memory":16,"essential":false,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(jsonString(multi))],
                  "logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs", extra: #","awslogs-multiline-pattern":"^ERROR""#))},
                 {"name":"dated","image":"\(image)","memory":16,"essential":false,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(jsonString(dated))],
                  "logConfiguration":\(Self.awslogs(moto, group: "/ecs/logs", extra: #","awslogs-datetime-format":"%Y-%m-%d %H:%M:%S""#))}]
                """)
            var got: [(timestamp: Int, message: String)] = []
            try await eventually(timeout: .seconds(120), every: .seconds(3), "all 100,004 events of main in CloudWatch Logs") {
                got = (try? await Self.events(stack.logs, group: "/ecs/logs", stream: "app/main/\(taskID)")) ?? []
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
            try await eventually(timeout: .seconds(30), every: .seconds(3), "the multi-line container's events") {
                joined = await stack.messages("/ecs/logs", "app/multi/\(taskID)")
                return joined.count >= 2
            }
            #expect(joined == ["ERROR a\n  at 1\n  at 2\n", "ERROR b\n  at 3\n"])
            var byDate: [String] = []
            try await eventually(timeout: .seconds(30), every: .seconds(3), "the datetime-format container's events") {
                byDate = await stack.messages("/ecs/logs", "app/dated/\(taskID)")
                return byDate.count >= 2
            }
            #expect(byDate == ["2024-05-01 10:20:30 first\ncontinued\n", "2024-05-01 10:20:31 second\n"])

            // Docker kept the output in rotated local files, not in its awslogs driver.
            let containers = try await stack.docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)"))
            if let id = containers.first?.id {
                #expect(try await stack.docker.docker.inspectContainer(id).hostConfig?.logConfig?.type == "local")
            }
        }
    }

    @Test("Docker mode: the container's LogConfig carries the awslogs options, the documented stream name and the non-blocking buffer size")
    func dockerMode() async throws {
        try await Stack.with { stack in
            _ = try await stack.startAgent(["ECS_AWSLOGS_SHIPPING": "docker", "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION": "60s"])
            let (taskArn, taskID) = try await stack.run(family: "dockerlogs", containers: """
                [{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sleep","3600"],"logConfiguration":\(Self.awslogs(stack.moto, group: "/ecs/docker", extra: #","mode":"non-blocking""#))}]
                """)
            var config: [String: String] = [:]
            var type: String?
            try await eventually(timeout: .seconds(60), "the container created") {
                guard let c = try await stack.docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first else { return false }
                let log = try await stack.docker.docker.inspectContainer(c.id).hostConfig?.logConfig
                type = log?.type
                config = log?.config ?? [:]
                return true
            }
            #expect(type == "awslogs")
            #expect(config["awslogs-group"] == "/ecs/docker")
            #expect(config["awslogs-stream"] == "app/main/\(taskID)")
            #expect(config["awslogs-stream-prefix"] == nil, "Docker's driver does not know the prefix")
            #expect(config["awslogs-endpoint"] == stack.moto.url)
            #expect(config["max-buffer-size"] == "10m")
        }
    }

    @Test("Every line still arrives while the agent is killed with -9 twice and CloudWatch Logs is away for 60 s; duplicates stay within the batches in flight")
    func chaos() async throws {
        try await Stack.with { stack in
            // 100 chunks of 1,000 numbered lines, 0.8 s apart: about 80 s of output.
            let script = "c=0; while [ $c -lt 100 ]; do seq $((c*1000+1)) $((c*1000+1000)); c=$((c+1)); sleep 0.8; done"
            let process = try await stack.startAgent()
            let (_, taskID) = try await stack.run(family: "chaoslogs", containers: """
                [{"name":"main","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(jsonString(script))],"logConfiguration":\(Self.awslogs(stack.moto, group: "/ecs/chaos"))}]
                """)
            let stream = "app/main/\(taskID)"

            // First kill while shipping.
            try await eventually(timeout: .seconds(60), every: .seconds(3), "5,000 lines shipped") { await stack.messages("/ecs/chaos", stream).count >= 5_000 }
            await process.kill9()
            try process.start()
            try await eventually(timeout: .seconds(60), every: .seconds(3), "20,000 lines shipped") { await stack.messages("/ecs/chaos", stream).count >= 20_000 }

            // The second kill opens a 60 s CloudWatch Logs outage (moto keeps nothing across a
            // restart: what it holds is read once the agent is dead, so nothing lands in between).
            await process.kill9()
            let before = await stack.messages("/ecs/chaos", stream)
            await stack.moto.stop()
            try process.start()
            try await Task.sleep(for: .seconds(60))
            try await stack.restartMoto()

            var after: [String] = []
            try await eventually(timeout: .seconds(180), every: .seconds(3), "every line shipped") {
                after = await stack.messages("/ecs/chaos", stream)
                return Set(before + after).count >= 100_000
            }
            let all = before + after
            let distinct = Set(all)
            #expect(distinct == Set((1...100_000).map(String.init)), "every line, and nothing else")
            let duplicates = all.count - distinct.count
            print("awslogs chaos: \(all.count) events for 100000 lines, \(duplicates) duplicates (2 kills, 60 s outage; bound 3 batches = \(3 * 10_000))")
            #expect(duplicates <= 3 * 10_000, "duplicates only from batches in flight")
        }
    }

    @Test("Other drivers pass through: with journald, journalctl CONTAINER_NAME=<name> shows the container's output")
    func journaldDriver() async throws {
        try await Stack.with { stack in
            let marker = "journald-marker-\(UUID().uuidString.prefix(8))"
            _ = try await stack.startAgent(["ECS_AVAILABLE_LOGGING_DRIVERS": #"["json-file","journald","awslogs","none"]"#])
            let (taskArn, _) = try await stack.run(family: "journaldlogs", containers: """
                [{"name":"main","image":"\(TestEnvironment.testImage)","memory":16,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c","echo \(marker); echo \(marker)-err >&2; sleep 3600"],"logConfiguration":{"logDriver":"journald"}}]
                """)
            var name = ""
            try await eventually(timeout: .seconds(60), "the container running") {
                guard let c = try await stack.docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first,
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
        }
    }

    @Test("Lines rotated out of Docker's files during a CloudWatch outage are reported: a gap in the log and in /v1/logs, and shipping goes on after it")
    func rotatedAwayDuringOutage() async throws {
        try await Stack.with { stack in
            // 1,000 lines; a pause; 100 lines (their put fails: shipping stops reading); a
            // pause; then a burst far larger than the 2 × 100 KB Docker keeps.
            let script = "seq 1 1000; sleep 8; seq 1001 1100; sleep 6; seq 1101 60000; exec sleep 3600"
            let process = try await stack.startAgent(["ECS_AWSLOGS_LOCAL_MAX_SIZE": "100k", "ECS_AWSLOGS_LOCAL_MAX_FILE": "2"])
            let (_, taskID) = try await stack.run(family: "gaplogs", containers: """
                [{"name":"main","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(jsonString(script))],"logConfiguration":\(Self.awslogs(stack.moto, group: "/ecs/gap"))}]
                """)
            let stream = "app/main/\(taskID)"
            try await eventually(timeout: .seconds(60), every: .seconds(3), "the first 1,000 lines shipped") { await stack.messages("/ecs/gap", stream).count >= 1_000 }
            await stack.moto.stop()
            try await process.waitForLog("shipping to CloudWatch Logs is failing", timeout: .seconds(30))
            try await Task.sleep(for: .seconds(10))
            try await stack.restartMoto()
            try await process.waitForLog("lines were rotated out of Docker's log", timeout: .seconds(90))
            var after: [String] = []
            try await eventually(timeout: .seconds(60), every: .seconds(3), "the lines after the gap shipped") {
                after = await stack.messages("/ecs/gap", stream)
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
        }
    }
}

func jsonString(_ s: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast().description
}
