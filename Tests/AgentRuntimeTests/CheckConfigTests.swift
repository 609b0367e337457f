import AgentConfig
import AgentTestSupport
import Foundation
import Testing
@testable import AgentRuntime

@Suite("check-config output")
struct ConfigReportTests {
    func resolve(_ text: String) -> ResolvedConfig {
        ConfigLoader.load(ConfigSources(environment: [:], envFilePaths: ["/e"], readFile: { $0 == "/e" ? .contents(text) : .missing }))
    }

    @Test("A valid file exits 0 and lists every key with its source")
    func valid() {
        let out = ConfigReport.render(resolve("ECS_CLUSTER=prod\nAWS_DEFAULT_REGION=us-west-2\n"))
        #expect(out.exitCode == 0)
        #expect(out.text.contains("ECS_CLUSTER=prod    # /e:1"))
        #expect(out.text.contains("ECS_CONTAINER_STOP_TIMEOUT=30s    # default"))
        #expect(out.text.hasSuffix("configuration is valid\n"))
    }

    @Test("Warnings pass unless --strict")
    func strict() {
        let config = resolve("ECS_CONTAINER_STOP_TIMEOUT=1ms\n")
        #expect(ConfigReport.render(config).exitCode == 0)
        #expect(ConfigReport.render(config, strict: true).exitCode == 1)
    }
}

/// The real binary, as an operator runs it.
@Suite("ecs-agent check-config, the command")
struct CheckConfigCommandTests {
    static var binary: String { TestEnvironment.productsDirectory + "/ecs-agent" }

    func checkConfig(_ contents: String) async throws -> (status: Int32, output: String) {
        let dir = try TestEnvironment.temporaryDirectory("check-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/ecs.config"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        // The JSON file path must not fall back to /etc: point it into the temporary directory.
        let result = try await Subprocess.runDetached {
            try Subprocess.run([Self.binary, "check-config", "--file", path, "--ignore-environment"],
                               environment: ["ECS_AGENT_CONFIG_FILE_PATH": dir + "/none.json"])
        }
        return (result.status, result.stdout + result.stderr)
    }

    @Test("The binary is built beside the tests")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "\(Self.binary)")
    }

    @Test("Each malformed file exits 1 with an error line naming the key", arguments: MalformedConfigs.all.map { [$0.name, $0.contents, $0.key] })
    func malformed(fields: [String]) async throws {
        let (status, output) = try await checkConfig(fields[1])
        #expect(status == 1, "\(fields[0]): \(output)")
        let errorLines = output.split(separator: "\n").filter { $0.contains("error: ") }
        #expect(errorLines.contains { $0.contains(fields[2]) }, "\(fields[0]): \(output)")
    }

    @Test("A good file exits 0, and a secret in it never appears in the output")
    func good() async throws {
        let (status, output) = try await checkConfig("""
            ECS_CLUSTER=prod
            AWS_DEFAULT_REGION=us-west-2
            ECS_ENGINE_AUTH_TYPE=docker
            ECS_ENGINE_AUTH_DATA={"registry.example":{"username":"u","password":"p4ssw0rd-xyz"}}
            """)
        #expect(status == 0, "\(output)")
        #expect(!output.contains("p4ssw0rd-xyz"))
        #expect(output.contains("ECS_ENGINE_AUTH_DATA=<redacted>"))
    }

    @Test("ecs.config honours the environment: the environment wins, --ignore-environment drops it")
    func environmentPrecedence() async throws {
        let dir = try TestEnvironment.temporaryDirectory("check-config")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "ECS_CLUSTER=from-file\n".write(toFile: dir + "/ecs.config", atomically: true, encoding: .utf8)
        for (ignore, expected) in [(false, "ECS_CLUSTER=from-env"), (true, "ECS_CLUSTER=from-file")] {
            let arguments = [Self.binary, "check-config", "--file", dir + "/ecs.config"] + (ignore ? ["--ignore-environment"] : [])
            let result = try await Subprocess.runDetached {
                try Subprocess.run(arguments, environment: ["ECS_CLUSTER": "from-env", "ECS_AGENT_CONFIG_FILE_PATH": dir + "/none.json"])
            }
            #expect(result.stdout.contains(expected), "\(result.stdout)")
        }
    }
}
