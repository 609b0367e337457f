import AgentTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Pull credentials: instance-wide (ECS_ENGINE_AUTH_*) and per container from the control plane
/// (an ECR token from moto_server, a Secrets Manager repository credential), against the
/// loopback registry of scripts/test-fixtures.
extension TasksOnDockerTests {
    /// Pushes the test image to the registry under a name of this test's own (other tests pull
    /// and remove the shared one) and removes the local copy, so a task has to pull it.
    static func pushPrivateImage(_ docker: DockerFixture, registry: String, name: String) async throws -> String {
        let image = "\(registry)/ecs-agent-test/\(name):\(TestEnvironment.runID)"
        let config = try TestEnvironment.temporaryDirectory("docker-config")
        let env = ProcessInfo.processInfo.environment.merging(["DOCKER_CONFIG": config]) { _, b in b }
        docker.onCleanup("image \(image)") { try await docker.docker.removeImage(image, force: true) }
        for command in [["docker", "tag", TestEnvironment.testImage, image],
                        ["docker", "login", "-u", TestEnvironment.registryUser, "-p", TestEnvironment.registryPassword, registry],
                        ["docker", "push", image], ["docker", "rmi", image]] {
            let r = try await Subprocess.runDetached { try Subprocess.run(command, environment: env) }
            #expect(r.status == 0, "\(command.prefix(2)): \(r.stderr)")
        }
        return image
    }

    @Test("Registry auth from ECS_ENGINE_AUTH_TYPE/DATA: a task whose image is in the loopback registry runs; without the password its pull fails and, under pull behaviour always, the task stops with CannotPullContainerError")
    func registryAuth() async throws {
        let registry = try #require(TestEnvironment.registry, "scripts/test-fixtures sets ECS_TEST_REGISTRY")
        try await DockerFixture.with { docker in
            let image = try await Self.pushPrivateImage(docker, registry: registry, name: "engine-auth")
            let server = try LocalServerProcess()
            try await server.start()
            let cli = AWSCLI(endpoint: server.url)
            try await Self.register(cli, family: "private", containers: """
                [{"name":"main","image":"\(image)","memory":16,"dockerLabels":\(Self.labels()),"command":["sleep","3600"]}]
                """)
            let auth = #"{"\#(registry)":{"username":"\#(TestEnvironment.registryUser)","password":"\#(TestEnvironment.registryPassword)"}}"#
            let withAuth = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings.merging([
                "ECS_IMAGE_PULL_BEHAVIOR": "always", "ECS_ENGINE_AUTH_TYPE": "docker", "ECS_ENGINE_AUTH_DATA": auth]) { _, b in b })
            var arns: [String] = []
            try await withCleanup {
                // First without credentials.
                let anonymous = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings.merging(["ECS_IMAGE_PULL_BEHAVIOR": "always"]) { _, b in b })
                try anonymous.start()
                try await anonymous.waitForLog("ACS connected")
                let refused = try #require(try await cli.ecs(["run-task", "--task-definition", "private"]).string("tasks.0.taskArn"))
                arns.append(refused)
                try await eventually(timeout: .seconds(30), "the anonymous pull's task STOPPED") { try await Self.describe(cli, refused).string("tasks.0.lastStatus") == "STOPPED" }
                let reason = Self.container(try await Self.describe(cli, refused), "main")?["reason"] as? String ?? ""
                #expect(reason.hasPrefix("CannotPullContainerError"), "\(reason)")
                await anonymous.kill9()

                try withAuth.start()
                try await withAuth.waitForLog("ACS connected")
                let arn = try #require(try await cli.ecs(["run-task", "--task-definition", "private"]).string("tasks.0.taskArn"))
                arns.append(arn)
                try await eventually(timeout: .seconds(60), "the task RUNNING with the registry's image") {
                    let task = try await Self.describe(cli, arn)
                    if task.string("tasks.0.lastStatus") == "STOPPED" { throw FixtureError("stopped: \(task)") }
                    return task.string("tasks.0.lastStatus") == "RUNNING"
                }
                #expect(!withAuth.allLogs.contains(TestEnvironment.registryPassword), "the registry password reached the log")
                // engine.md §6.1: the digest the registry served is the container's, reported
                // first with the task's PENDING.
                let served = try await docker.docker.inspectImage(image).repoDigests ?? []
                let digest = Self.container(try await Self.describe(cli, arn), "main")?["imageDigest"] as? String ?? "none"
                #expect(digest.hasPrefix("sha256:") && served.contains { $0.hasSuffix("@" + digest) }, "reported \(digest), registry served \(served)")
                #expect(withAuth.allLogs.contains("status=PENDING"), "the task went PENDING with its digest before RUNNING")
            } cleanup: {
                await withAuth.kill9(); await server.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }

    @Test("Per-container pull credentials from the control plane: an ECR token (moto) with the execution role and a Secrets Manager repository credential both pull from the registry; a missing credential stops the task with CannotPullContainerAuthError; neither password is logged")
    func registryCredentialsFromControlPlane() async throws {
        let registry = try #require(TestEnvironment.registry, "scripts/test-fixtures sets ECS_TEST_REGISTRY")
        try await DockerFixture.with { docker in
            let image = try await Self.pushPrivateImage(docker, registry: registry, name: "control-plane-auth")
            let moto = try MotoServer()
            try await moto.start()
            // The registry stands in for ECR registry ECS_TEST_ECR_REGISTRY_ID.
            let server = try LocalServerProcess(extraArguments: ["--ecr-registry", "\(registry)=\(TestEnvironment.ecrRegistryID)"])
            var agent: AgentProcess?
            var arns: [String] = []
            try await withCleanup {
                try await server.start()
                let secret = #"{"username":"\#(TestEnvironment.registryUser)","password":"\#(TestEnvironment.registryPassword)"}"#
                let (status, created, err) = try await AWSCLI(endpoint: moto.url).raw(["secretsmanager", "create-secret", "--name", "registry", "--secret-string", secret])
                #expect(status == 0, "\(err)")
                let secretArn = try #require((try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any])?["ARN"] as? String)
                let cli = AWSCLI(endpoint: server.url)
                func definition(_ family: String, credentials: String?) -> String {
                    let repository = credentials.map { #","repositoryCredentials":{"credentialsParameter":"\#($0)"}"# } ?? ""
                    return """
                        {"family":"\(family)","executionRoleArn":"arn:aws:iam::000000000000:role/exec",
                         "containerDefinitions":[{"name":"main","image":"\(image)","memory":16,"dockerLabels":\(Self.labels()),
                           "command":["sleep","3600"]\(repository)}]}
                        """
                }
                try await cli.ecs(["register-task-definition", "--cli-input-json", definition("ecr", credentials: nil)])
                try await cli.ecs(["register-task-definition", "--cli-input-json", definition("asm", credentials: secretArn)])
                try await cli.ecs(["register-task-definition", "--cli-input-json", definition("asm-missing", credentials: secretArn + "-gone")])
                let process = try AgentProcess(backend: server.url, cluster: "", extra: Self.engineSettings.merging([
                    "ECS_IMAGE_PULL_BEHAVIOR": "always", "AWS_ENDPOINT_URL": moto.url]) { _, b in b })
                agent = process
                try process.start()
                try await process.waitForLog("ACS connected")
                for family in ["ecr", "asm"] {
                    let arn = try #require(try await cli.ecs(["run-task", "--task-definition", family]).string("tasks.0.taskArn"))
                    arns.append(arn)
                    try await eventually(timeout: .seconds(60), "the \(family) task RUNNING with the registry's image") {
                        let task = try await Self.describe(cli, arn)
                        if task.string("tasks.0.lastStatus") == "STOPPED" { throw FixtureError("\(family) stopped: \(task)") }
                        return task.string("tasks.0.lastStatus") == "RUNNING"
                    }
                    try await cli.ecs(["stop-task", "--task", arn])
                    // The next pull must really pull: the image goes once this task is gone.
                    try await eventually(timeout: .seconds(60), "the \(family) task STOPPED") { try await Self.describe(cli, arn).string("tasks.0.lastStatus") == "STOPPED" }
                    await Self.removeLeftovers(docker, taskArn: arn)
                    try? await docker.docker.removeImage(image, force: true)
                }
                let missing = try #require(try await cli.ecs(["run-task", "--task-definition", "asm-missing"]).string("tasks.0.taskArn"))
                arns.append(missing)
                try await eventually(timeout: .seconds(60), "the task without its repository credentials STOPPED") {
                    try await Self.describe(cli, missing).string("tasks.0.lastStatus") == "STOPPED"
                }
                let reason = Self.container(try await Self.describe(cli, missing), "main")?["reason"] as? String ?? ""
                #expect(reason.hasPrefix("CannotPullContainerAuthError"), "\(reason)")
                #expect(!process.allLogs.contains(TestEnvironment.registryPassword), "the registry password reached the log")
                #expect(!process.allLogs.contains("\(TestEnvironment.ecrRegistryID)-auth-token"), "the ECR token's password reached the log")
            } cleanup: {
                await agent?.kill9(); await server.stop(); await moto.stop()
                for arn in arns { await Self.removeLeftovers(docker, taskArn: arn) }
            }
        }
    }
}
