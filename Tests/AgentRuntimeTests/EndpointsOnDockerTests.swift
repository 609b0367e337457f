import AgentTestSupport
import Foundation
import Testing

/// The introspection and task metadata listeners of a real agent running a real task
/// (aws CLI → ecs-local → ecs-agent → dockerd), queried on loopback.
@Suite("Endpoints of a running agent", .enabled(if: TestEnvironment.integrationEnabled), .serialized)
struct EndpointsOnDockerTests {
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let out = try await Subprocess.runDetached {
            try Subprocess.run(["curl", "-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", url], environment: [:])
        }.stdout
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test("Introspection lists the task; v3/v4 metadata, stats and credentials answer for its container by the endpoint ID in its environment; task protection goes to ECS with the task role; botocore loads the task role from the endpoint and signs a moto call with it")
    func metadataOfARunningTask() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            try await TasksOnDockerTests.register(cli, family: "meta", containers: """
                [{"name":"app","image":"\(TestEnvironment.testImage)","memory":32,"cpu":128,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sleep","3600"],"portMappings":[{"containerPort":8080}]}]
                """)
            try await cli.ecs(["register-task-definition", "--family", "meta-role", "--task-role-arn", "arn:aws:iam::123456789012:role/app",
                               "--container-definitions", #"[{"name":"app","image":"\#(TestEnvironment.testImage)","memory":32,"command":["sleep","3600"],"dockerLabels":\#(TasksOnDockerTests.labels())}]"#])
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: TasksOnDockerTests.engineSettings)
            var arns: [String] = []
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let introspection = "http://127.0.0.1:\(try #require(agent.listeningPort("introspection")))"
                let metadata = "http://127.0.0.1:\(try #require(agent.listeningPort("task-metadata")))"

                let meta = try await Self.get(introspection + "/v1/metadata")
                #expect(meta.status == 200)
                #expect(meta.body.hasPrefix(#"{"Cluster":"default","ContainerInstanceArn":"arn:aws:ecs:"#), "\(meta.body)")

                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "meta"]).string("tasks.0.taskArn"))
                arns.append(taskArn)
                try await eventually(timeout: .seconds(60), "RUNNING") {
                    try await TasksOnDockerTests.describe(cli, taskArn).string("tasks.0.lastStatus") == "RUNNING"
                }
                let containers = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)"))
                let container = try #require(containers.first)
                let inspect = try await docker.docker.inspectContainer(container.id)
                let env = inspect.config?.env ?? []
                let v4 = try #require(env.first { $0.hasPrefix("ECS_CONTAINER_METADATA_URI_V4=") }).split(separator: "=", maxSplits: 1)[1]
                #expect(v4.hasPrefix("http://169.254.170.2/v4/"))
                let endpointID = String(v4.dropFirst("http://169.254.170.2/v4/".count))
                #expect(env.contains("ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/\(endpointID)"))
                #expect(env.contains("ECS_AGENT_URI=http://169.254.170.2/api/\(endpointID)"))
                #expect(!env.contains { $0.hasPrefix("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=") }, "no task role, no credentials URI")

                let tasks = try await Self.get(introspection + "/v1/tasks?dockerid=\(container.id.prefix(12))")
                #expect(tasks.status == 200)
                #expect(Self.json(tasks.body)["Arn"] as? String == taskArn)

                let task = try await Self.get(metadata + "/v4/\(endpointID)/task")
                #expect(task.status == 200)
                let body = Self.json(task.body)
                #expect(body["TaskARN"] as? String == taskArn)
                #expect(body["KnownStatus"] as? String == "RUNNING")
                let c = try #require((body["Containers"] as? [[String: Any]])?.first)
                #expect(c["DockerId"] as? String == container.id)
                #expect((c["Limits"] as? [String: Any])?["CPU"] as? Int == 128)
                let port = try #require((c["Ports"] as? [[String: Any]])?.first)
                #expect(port["ContainerPort"] as? Int == 8080 && (port["HostPort"] as? Int ?? 0) > 0)
                let network = try #require((c["Networks"] as? [[String: Any]])?.first)
                #expect(network["NetworkMode"] as? String == "bridge")
                let ipv4 = (network["IPv4Addresses"] as? [String])?.first ?? ""
                #expect(ipv4.hasPrefix("172."))
                #expect(task.body.hasPrefix(#"{"Cluster":"#) && task.body.contains(#""FaultInjectionEnabled":false"#))
                #expect((try await Self.get(metadata + "/v3/\(endpointID)")).status == 200)

                // One-shot stats every 10 s: a sample arrives within a few intervals.
                var stats: (status: Int, body: String) = (0, "")
                try await eventually(timeout: .seconds(30), every: .seconds(1), "a stats sample") {
                    stats = try await Self.get(metadata + "/v4/\(endpointID)/stats")
                    return stats.status == 200 && stats.body.hasPrefix(#"{"read":""#)
                }
                #expect(stats.body.contains(#""memory_stats":{"usage":"#), "\(stats.body.prefix(400))")

                // A task role: the container gets the credentials URI, and the endpoint serves them.
                let roleTask = try #require(try await cli.ecs(["run-task", "--task-definition", "meta-role"]).string("tasks.0.taskArn"))
                arns.append(roleTask)
                try await eventually(timeout: .seconds(60), "role task RUNNING") {
                    try await TasksOnDockerTests.describe(cli, roleTask).string("tasks.0.lastStatus") == "RUNNING"
                }
                let roleContainer = try #require(try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(roleTask)")).first)
                let roleEnv = try await docker.docker.inspectContainer(roleContainer.id).config?.env ?? []
                let relative = try #require(roleEnv.first { $0.hasPrefix("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=") }).split(separator: "=", maxSplits: 1)[1]
                let creds = try await Self.get(metadata + relative)
                #expect(creds.status == 200)
                #expect(Self.json(creds.body)["RoleArn"] as? String == "arn:aws:iam::123456789012:role/app")
                #expect(creds.body.hasPrefix(#"{"RoleArn":"#))
                #expect((try await Self.get(metadata + "/v2/credentials/not-an-id")).status == 400)
                let audit = (try? String(contentsOfFile: agent.dataDirectory + "/audit.log", encoding: .utf8)) ?? ""
                #expect(audit.contains(" 200 127.0.0.1:") && audit.contains("\"/v2/credentials\"") && audit.contains("GetCredentials 2 "))
                let id = String(relative.split(separator: "/").last ?? "")
                #expect(!audit.contains(id) && !agent.log.contains(Self.json(creds.body)["SecretAccessKey"] as? String ?? "never"))

                // Task protection through the agent API: ECS (ecs-local) called with the task role.
                let agentURI = try #require(roleEnv.first { $0.hasPrefix("ECS_AGENT_URI=") }).split(separator: "=", maxSplits: 1)[1]
                let stateURL = metadata + agentURI.dropFirst("http://169.254.170.2".count) + "/task-protection/v1/state"
                let put = try await Subprocess.runDetached {
                    try Subprocess.run(["curl", "-s", "-X", "PUT", "-d", #"{"ProtectionEnabled":true,"ExpiresInMinutes":10}"#, String(stateURL)], environment: [:])
                }.stdout
                #expect(put.hasPrefix(#"{"protection":{"ExpirationDate":"20"#) && put.contains(#""ProtectionEnabled":true,"TaskArn":"\#(roleTask)""#), "\(put)")
                let got = try await Self.get(String(stateURL))
                #expect(got.status == 200 && got.body.contains(#""ProtectionEnabled":true"#), "\(got.body)")
                #expect((try await Self.get(metadata + "/api/\(endpointID)/task-protection/v1/state")).status == 403, "no task role")

                // An AWS SDK's container credential provider takes them from here and signs with them.
                let moto = try MotoServer()
                try await moto.start()
                defer { Task { await moto.stop() } }
                let script = """
                import botocore.session
                s = botocore.session.get_session()
                c = s.get_credentials()
                print(c.method, c.access_key)
                sts = s.create_client("sts", region_name="us-west-2", endpoint_url="\(moto.url)")
                print(sts.get_caller_identity()["Account"])
                """
                let sdk = try await Subprocess.runDetached {
                    try Subprocess.run(["python3", "-c", script], environment: [
                        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": metadata + relative, "HOME": agent.dataDirectory,
                    ])
                }.stdout
                let accessKey = Self.json(creds.body)["AccessKeyId"] as? String ?? "?"
                #expect(sdk.contains("container-role \(accessKey)"), "\(sdk)")
                #expect(sdk.contains("123456789012"), "signed call to moto answered: \(sdk)")
            } cleanup: {
                await agent.kill9(); await server.stop()
                for arn in arns { await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }

    static func host(_ argv: [String]) async throws -> String {
        try await Subprocess.runDetached { try Subprocess.run(argv, environment: [:]) }.stdout
    }

    @Test("From inside a bridge container, 169.254.170.2 reaches the agent through the rules it installed: v4 /task and /stats; cleanup-host removes the rules")
    func throughTheLinkLocalAddress() async throws {
        try await DockerFixture.with { docker in
            // The address is made local first (on lo: these kernels have no dummy interfaces), so
            // nothing can leave the machine if a rule is missing.
            _ = try? await Self.host(["ip", "addr", "del", "169.254.170.2/32", "dev", "lo"])
            _ = try await Self.host(["ip", "addr", "add", "169.254.170.2/32", "dev", "lo"])
            #expect(try await Self.host(["ip", "addr", "show", "dev", "lo"]).contains("169.254.170.2/32"))
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            let script = #"i=0; while [ $i -lt 30 ]; do wget -q -O /tmp/task "$ECS_CONTAINER_METADATA_URI_V4/task" && break; i=$((i+1)); sleep 1; done; exec sleep 3600"#
            try await TasksOnDockerTests.register(cli, family: "linklocal", containers: """
                [{"name":"probe","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sh","-c",\(Self.quoted(script))]}]
                """)
            var extra = TasksOnDockerTests.engineSettings
            extra["ECS_HOST_NETWORK_RULES"] = "true"
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: extra)
            var arn: String?
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("169.254.170.2 rules in place")
                let nat = try await Self.host(["iptables", "-w", "-t", "nat", "-S", "PREROUTING"])
                let port = try #require(agent.listeningPort("task-metadata"))
                #expect(nat.contains("-d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:\(port)"))
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "linklocal"]).string("tasks.0.taskArn"))
                arn = taskArn
                let container = try await {
                    var found: String?
                    try await eventually(timeout: .seconds(60), "the probe container") {
                        found = try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first?.id
                        return found != nil
                    }
                    return found!
                }()
                var task = ""
                try await eventually(timeout: .seconds(45), every: .seconds(1), "the container read its task through 169.254.170.2") {
                    task = (try? await docker.docker.execRun(container, ["cat", "/tmp/task"]).stdoutText) ?? ""
                    return !task.isEmpty
                }
                #expect(task.contains(#""TaskARN":"\#(taskArn)""#), "\(task.prefix(300))")
                #expect(task.contains(#""NetworkMode":"bridge""#))
                var stats = ""
                try await eventually(timeout: .seconds(30), every: .seconds(1), "stats through 169.254.170.2") {
                    stats = (try? await docker.docker.execRun(container, ["sh", "-c", #"wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/stats""#]).stdoutText) ?? ""
                    return stats.hasPrefix(#"{"read":""#)
                }
            } cleanup: {
                await agent.kill9(); await server.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
                let agentBinary = TestEnvironment.productsDirectory + "/ecs-agent"
                let removed = (try? await Self.host([agentBinary, "cleanup-host"])) ?? "cleanup-host did not run"
                print("cleanup-host: \(removed)")
                _ = try? await Self.host(["ip", "addr", "del", "169.254.170.2/32", "dev", "lo"])
            }
            let after = try await Self.host(["iptables", "-w", "-t", "nat", "-S"])
            #expect(!after.contains("169.254.170.2"), "cleanup-host removed the rules: \(after)")
            #expect(!(try await Self.host(["iptables", "-w", "-S", "INPUT"])).contains("RELATED,ESTABLISHED,DNAT"))
        }
    }

    static func quoted(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    @Test("ECS_ENABLE_CONTAINER_METADATA: the container reads its metadata file, READY with its ID and network once running; the task's directory goes at cleanup")
    func containerMetadataFile() async throws {
        try await DockerFixture.with { docker in
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            try await TasksOnDockerTests.register(cli, family: "metafile", containers: """
                [{"name":"app","image":"\(TestEnvironment.testImage)","memory":32,"dockerLabels":\(TasksOnDockerTests.labels()),
                  "command":["sleep","3600"],"portMappings":[{"containerPort":8080}]}]
                """)
            var extra = TasksOnDockerTests.engineSettings
            extra["ECS_ENABLE_CONTAINER_METADATA"] = "true"
            let agent = try AgentProcess(backend: server.url, cluster: "", extra: extra)
            var arn: String?
            try await withCleanup {
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let taskArn = try #require(try await cli.ecs(["run-task", "--task-definition", "metafile"]).string("tasks.0.taskArn"))
                arn = taskArn
                try await eventually(timeout: .seconds(60), "RUNNING") {
                    try await TasksOnDockerTests.describe(cli, taskArn).string("tasks.0.lastStatus") == "RUNNING"
                }
                let container = try #require(try await docker.docker.listContainers(filters: .label("com.amazonaws.ecs.task-arn=\(taskArn)")).first)
                var text = ""
                try await eventually(timeout: .seconds(30), "READY") {
                    text = (try? await docker.docker.execRun(container.id, ["sh", "-c", #"cat "$ECS_CONTAINER_METADATA_FILE""#]).stdoutText) ?? ""
                    return text.contains(#""MetadataFileStatus": "READY""#)
                }
                #expect(text.contains("\t\"ContainerID\": \"\(container.id)\""), "\(text)")
                #expect(text.contains(#""TaskARN": "\#(taskArn)""#) && text.contains(#""NetworkMode": "bridge""#) && text.contains(#""ContainerPort": 8080"#))
                let taskID = String(taskArn.split(separator: "/").last ?? "")
                let hostDir = agent.dataDirectory + "/data/metadata/default/" + taskID
                #expect(FileManager.default.fileExists(atPath: hostDir + "/app/ecs-container-metadata.json"))
                try await cli.ecs(["stop-task", "--task", taskArn])
                try await eventually(timeout: .seconds(60), "the task's metadata directory removed at cleanup") {
                    !FileManager.default.fileExists(atPath: hostDir)
                }
            } cleanup: {
                await agent.kill9(); await server.stop()
                await TasksOnDockerTests.removeLeftovers(docker, taskArn: arn)
            }
        }
    }
}

