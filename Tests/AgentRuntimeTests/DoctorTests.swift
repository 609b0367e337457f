import AgentConfig
import AgentTestSupport
import Foundation
import HostSystem
import Logging
import Testing
@testable import AgentRuntime

@Suite("doctor")
struct DoctorTests {
    func config(_ env: [String: String]) -> ResolvedConfig {
        ConfigLoader.load(ConfigSources(environment: env, envFilePaths: [], readFile: { _ in .missing }))
    }

    @Test("A Docker socket that is not there fails the Docker check with the path and what to do; the other groups still run")
    func noDocker() async {
        let checks = await Doctor(config: config(["DOCKER_HOST": "unix:///nonexistent/docker.sock", "ECS_INTROSPECTION_LISTEN_ADDRESS": "127.0.0.1:1"]),
                                  logger: Logger(label: "t")).run([.docker, .agent])
        let docker = checks[0]
        #expect(docker.name == "docker reachable" && docker.verdict == .failed)
        #expect(docker.detail.contains("/nonexistent/docker.sock"))
        #expect(docker.fix?.contains("systemctl start docker") == true)
        #expect(checks.contains { $0.name == "agent" }, "a dead Docker does not hide the agent check")
        let (text, code) = Doctor.render(checks)
        #expect(code == 1)
        #expect(text.contains("FAIL docker reachable"))
        #expect(text.contains("→ systemctl start docker"))
    }

    @Test("A control plane that does not answer fails with the endpoint and what to check; the credentials themselves pass")
    func controlPlaneUnreachable() async {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let env = ["ECS_BACKEND_HOST": "http://127.0.0.1:1", "AWS_DEFAULT_REGION": "us-west-2", "ECS_EXTERNAL": "true",
                   "AWS_ACCESS_KEY_ID": "AKIADOCTORTEST00KEY1", "AWS_SECRET_ACCESS_KEY": "doctor-secret", "HOME": "/nonexistent"]
        let checks = await Doctor(config: config(env), logger: Logger(label: "t")).run(.controlPlane, environment: env)
        let credentials = checks.first { $0.name == "credentials" }
        #expect(credentials?.verdict == .ok)
        #expect(credentials?.detail.contains("AKIA…KEY1") == true, "the key is shown shortened")
        #expect(!Doctor.render(checks).text.contains("doctor-secret"), "no secret in the output")
        let plane = checks.first { $0.name == "control plane" }
        #expect(plane?.verdict == .failed)
        #expect(plane?.detail.contains("127.0.0.1:1") == true)
        #expect(plane?.fix?.contains("ECS_BACKEND_HOST") == true)
    }

    @Test("No credentials anywhere fails the credentials check and names what was tried")
    func noCredentials() async {
        let env = ["ECS_BACKEND_HOST": "http://127.0.0.1:1", "AWS_DEFAULT_REGION": "us-west-2", "ECS_EXTERNAL": "true",
                   "HOME": "/nonexistent", "ECS_ROTATING_CREDENTIALS_FILE": "/nonexistent/credentials"]
        let checks = await Doctor(config: config(env), logger: Logger(label: "t")).run(.controlPlane, environment: env)
        #expect(checks.map(\.name) == ["credentials"])
        #expect(checks.first?.verdict == .failed)
        #expect(checks.first?.fix != nil)
    }

    @Test("The 169.254.170.2 check passes with route_localnet and the nat rule, and says what is missing otherwise")
    func plumbing() async {
        let doctor = Doctor(config: config([:]), logger: Logger(label: "t"))
        let withRule = ListingRunner(output: "-P OUTPUT ACCEPT\n-A OUTPUT -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 51679")
        #expect(await doctor.plumbingCheck(runner: withRule, sysctl: { _ in "1" }).verdict == .ok)
        let broken = await doctor.plumbingCheck(runner: ListingRunner(output: "-P OUTPUT ACCEPT"), sysctl: { _ in "0" })
        #expect(broken.verdict == .failed)
        #expect(broken.detail.contains("route_localnet is 0") && broken.detail.contains("no 169.254.170.2 rule"))
        #expect(broken.fix?.contains("systemctl restart ecs-agent") == true)
        let off = await Doctor(config: config(["ECS_HOST_NETWORK_RULES": "false"]), logger: Logger(label: "t")).plumbingCheck(runner: withRule)
        #expect(off.verdict == .skipped)
    }

    @Test("HTTP dates are read as the control plane sends them")
    func httpDates() {
        #expect(Doctor.httpDate("Thu, 03 Dec 2026 08:19:32 GMT") == 1_796_285_972)
        #expect(Doctor.httpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(Doctor.httpDate("yesterday") == nil)
    }

    @Test("Disk room: plenty passes, too little fails with what to do")
    func disk() {
        #expect(Doctor.diskRoom(path: "/").verdict != .skipped)
        #expect(Doctor.diskRoom(path: "/nonexistent/docker").verdict == .warning)
    }

    @Test("On a good setup every check passes: Docker, containerd, disk, the running agent registered and connected, credentials accepted, the cluster ACTIVE, the clock",
          .enabled(if: TestEnvironment.integrationEnabled, "needs dockerd and ecs-local: run scripts/test"), .timeLimit(.minutes(3)))
    func healthySetup() async throws {
        let server = try LocalServerProcess()
        try await server.start()
        let cli = AWSCLI(endpoint: server.url)
        try await cli.ecs(["create-cluster", "--cluster-name", "doctor"])
        let agent = try AgentProcess(backend: server.url, cluster: "doctor")
        try await withCleanup {
            try await DockerFixture.with { fx in
                let id = try await fx.createContainer("doctor", cmd: ["sleep", "60"])
                try await fx.docker.startContainer(id)
                try agent.start()
                try await agent.waitForLog("ACS connected")
                let port = try #require(agent.listeningPort("introspection"))
                var env = agent.environment
                env["ECS_INTROSPECTION_LISTEN_ADDRESS"] = "127.0.0.1:\(port)"
                let checks = await Doctor(config: config(env), logger: Logger(label: "t")).run(.all, environment: env)
                let (text, code) = Doctor.render(checks)
                #expect(code == 0, "\(text)")
                #expect(checks.map(\.name) == ["docker reachable", "docker api version", "docker storage", "docker cgroups", "task cgroups", "docker log drivers",
                                               "docker stats", "docker disk", "containerd", "agent", "169.254.170.2", "credentials", "control plane", "clock"])
                #expect(checks.first { $0.name == "agent" }?.detail.contains("ACS connected") == true, "\(text)")
                #expect(checks.first { $0.name == "control plane" }?.detail.contains("cluster doctor is ACTIVE") == true, "\(text)")
                #expect(checks.first { $0.name == "clock" }?.verdict == .ok, "\(text)")
                // The tests' agents leave the host's iptables alone: the plumbing check says so rather than failing.
                #expect(checks.first { $0.name == "169.254.170.2" }?.verdict == .skipped)

                // The same setup with the agent stopped and a cluster that does not exist.
                #expect(await agent.stop() == 0)
                env["ECS_CLUSTER"] = "no-such-cluster"
                let broken = await Doctor(config: config(env), logger: Logger(label: "t")).run([.agent, .controlPlane], environment: env)
                #expect(broken.first { $0.name == "agent" }?.verdict == .failed)
                #expect(broken.first { $0.name == "control plane" }?.detail.contains("no-such-cluster is missing") == true, "\(Doctor.render(broken).text)")
            }
        } cleanup: {
            await agent.kill9(); await server.stop()
        }
    }

    @Test("Advertising a log driver dockerd lacks fails the log driver check",
          .enabled(if: TestEnvironment.integrationEnabled, "needs dockerd: run scripts/test"))
    func missingDriver() async throws {
        let checks = await Doctor(config: config(["DOCKER_HOST": TestEnvironment.dockerHost, "ECS_AVAILABLE_LOGGING_DRIVERS": #"["json-file","sumologic"]"#]),
                                  logger: Logger(label: "t")).run()
        let drivers = try #require(checks.first { $0.name == "docker log drivers" })
        #expect(drivers.verdict == .failed)
        #expect(drivers.detail.contains("sumologic"))
    }

    @Test("ecs-agent doctor exits 1 on a bad ecs.config and names the key",
          .enabled(if: TestEnvironment.integrationEnabled, "runs the built binary"))
    func badConfig() async throws {
        let dir = try TestEnvironment.temporaryDirectory("doctor")
        try "ECS_CONTAINER_STOP_TIMEOUT=soon\n".write(toFile: dir + "/ecs.config", atomically: true, encoding: .utf8)
        let (status, out, _) = try await Subprocess.runDetached {
            try Subprocess.run([TestEnvironment.productsDirectory + "/ecs-agent", "doctor", "--docker-only", "--ignore-environment", "--file", dir + "/ecs.config"],
                               environment: ["PATH": "/usr/bin:/bin"])
        }.tuple
        #expect(status == 1)
        #expect(out.contains("FAIL configuration"), "\(out)")
        #expect(out.contains("ECS_CONTAINER_STOP_TIMEOUT"), "\(out)")
    }
}

/// iptables that lists fixed rules.
struct ListingRunner: CommandRunner {
    let output: String
    func run(_ argv: [String]) async -> CommandResult { CommandResult(status: 0, output: output) }
}
