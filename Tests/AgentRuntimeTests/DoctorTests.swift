import AgentConfig
import AgentTestSupport
import Logging
import Testing
@testable import AgentRuntime

@Suite("doctor")
struct DoctorTests {
    func config(_ env: [String: String]) -> ResolvedConfig {
        ConfigLoader.load(ConfigSources(environment: env, envFilePaths: [], readFile: { _ in .missing }))
    }

    @Test("A Docker socket that is not there fails the first check with the path, and stops")
    func noDocker() async {
        let checks = await Doctor(config: config(["DOCKER_HOST": "unix:///nonexistent/docker.sock"]), logger: Logger(label: "t")).run()
        #expect(checks.count == 1)
        #expect(checks[0].verdict == .failed)
        #expect(checks[0].detail.contains("/nonexistent/docker.sock"))
        #expect(Doctor.render(checks).exitCode == 1)
    }

    @Test("All Docker checks pass on the test host, stats included, with a container running",
          .enabled(if: TestEnvironment.integrationEnabled, "needs dockerd: run scripts/test"))
    func healthyHost() async throws {
        try await DockerFixture.with { fx in
            let id = try await fx.createContainer("doctor", cmd: ["sleep", "60"])
            try await fx.docker.startContainer(id)
            let checks = await Doctor(config: config(["DOCKER_HOST": TestEnvironment.dockerHost]), logger: Logger(label: "t")).run()
            let (text, code) = Doctor.render(checks)
            #expect(code == 0, "\(text)")
            #expect(checks.map(\.name) == ["docker reachable", "docker api version", "docker storage", "docker cgroups", "docker log drivers", "docker stats"])
            #expect(checks.last?.verdict == .ok, "\(text)")
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
}
