import ECSModel
import Testing
@testable import LocalControlPlane

@Suite("Task definition → ACS task")
struct TranslationTests {
    static let rich = """
    {"family":"rich","taskRoleArn":"arn:aws:iam::000000000000:role/app","executionRoleArn":"arn:aws:iam::000000000000:role/exec",
     "cpu":"512","memory":"1GB","volumes":[{"name":"scratch"},{"name":"data","host":{"sourcePath":"/srv"}},
       {"name":"shared","dockerVolumeConfiguration":{"scope":"shared","autoprovision":true,"driver":"local"}}],
     "containerDefinitions":[{"name":"app","image":"app:1","cpu":128,"memory":256,"memoryReservation":128,"essential":true,
       "command":["run"],"entryPoint":["/init"],"workingDirectory":"/srv","user":"1000","hostname":"h","dockerLabels":{"team":"a"},
       "environment":[{"name":"A","value":"1"}],"secrets":[{"name":"S","valueFrom":"arn:aws:ssm:us-west-2:000000000000:parameter/p"}],
       "ulimits":[{"name":"nofile","softLimit":1024,"hardLimit":2048}],"privileged":false,"readonlyRootFilesystem":true,
       "dnsServers":["1.1.1.1"],"extraHosts":[{"hostname":"db","ipAddress":"10.0.0.5"}],
       "linuxParameters":{"capabilities":{"add":["NET_ADMIN"],"drop":["MKNOD"]},"initProcessEnabled":true,"sharedMemorySize":64,
         "tmpfs":[{"containerPath":"/tmp","size":32,"mountOptions":["rw"]}]},
       "healthCheck":{"command":["CMD-SHELL","true"],"interval":10,"timeout":3,"retries":2,"startPeriod":1},
       "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"g"}},
       "portMappings":[{"containerPort":80},{"containerPortRange":"9000-9010","protocol":"udp"}],
       "mountPoints":[{"sourceVolume":"data","containerPath":"/data"}],"stopTimeout":5,"startTimeout":30,
       "restartPolicy":{"enabled":true,"ignoredExitCodes":[0],"restartAttemptPeriod":60}},
      {"name":"side","image":"side:1","memory":64,"essential":false,"dependsOn":[{"containerName":"app","condition":"HEALTHY"}],
       "volumesFrom":[{"sourceContainer":"app","readOnly":true}]}]}
    """

    func translated() async throws -> ACSTask {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", Self.rich)
        _ = try await h.registerInstance()
        let session = RecordingSession()
        let instance = try await h.call("ListContainerInstances")["containerInstanceArns"]!.strings[0]
        try await h.plane.attach(session, instanceArn: instance)
        try await h.call("RunTask", #"{"taskDefinition":"rich"}"#)
        return try #require(session.payloads.first?.tasks?.first)
    }

    @Test("Task-level fields, volumes and role credentials")
    func taskLevel() async throws {
        let task = try await translated()
        #expect(task.cpu == 0.5)
        #expect(task.memory == 1024)
        #expect(task.networkMode == "bridge")
        #expect(task.volumes?.map(\.type) == ["host", "host", "docker"])
        #expect(task.volumes?[0].host == Volume.Host())
        #expect(task.volumes?[1].host?.sourcePath == "/srv")
        #expect(task.volumes?[2].dockerVolumeConfiguration?.scope == "shared")
        #expect(task.roleCredentials?.roleArn == "arn:aws:iam::000000000000:role/app")
        #expect(task.executionRoleCredentials?.roleArn == "arn:aws:iam::000000000000:role/exec")
        #expect(task.roleCredentials?.expiration?.hasSuffix("Z") == true)
        #expect(task.roleCredentials?.credentialsId != task.executionRoleCredentials?.credentialsId)
    }

    @Test("Settings without an ACS field travel as Docker JSON in dockerConfig")
    func dockerConfig() async throws {
        let app = try #require(try await translated().containers?.first)
        let config = try #require(JSONValue.parse(app.dockerConfig?.config ?? ""))
        #expect(config["Labels"] == .object(["team": .string("a")]))
        #expect(config["User"] == .string("1000"))
        #expect(config["WorkingDir"] == .string("/srv"))
        #expect(config["Hostname"] == .string("h"))
        #expect(config["Healthcheck"]?["Test"] == .array([.string("CMD-SHELL"), .string("true")]))
        #expect(config["Healthcheck"]?["Interval"] == .int(10_000_000_000))
        #expect(config["Healthcheck"]?["Retries"] == .int(2))
        let host = try #require(JSONValue.parse(app.dockerConfig?.hostConfig ?? ""))
        #expect(host["MemoryReservation"] == .int(128 * 1_048_576))
        #expect(host["Ulimits"]?.arrayValue?.first == .object(["Name": .string("nofile"), "Soft": .int(1024), "Hard": .int(2048)]))
        #expect(host["CapAdd"] == .array([.string("NET_ADMIN")]))
        #expect(host["CapDrop"] == .array([.string("MKNOD")]))
        #expect(host["Init"] == .bool(true))
        #expect(host["ShmSize"] == .int(64 * 1_048_576))
        #expect(host["Tmpfs"] == .object(["/tmp": .string("size=32m,rw")]))
        #expect(host["ReadonlyRootfs"] == .bool(true))
        #expect(host["Dns"] == .array([.string("1.1.1.1")]))
        #expect(host["ExtraHosts"] == .array([.string("db:10.0.0.5")]))
        #expect(host["LogConfig"] == .object(["Type": .string("awslogs"), "Config": .object(["awslogs-group": .string("g")])]))
        #expect(app.dockerConfig?.version == "1.17")
    }

    @Test("Container fields the agent reads directly")
    func containerFields() async throws {
        let containers = try #require(try await translated().containers)
        let app = containers[0], side = containers[1]
        #expect(app.overrides == "{}")
        #expect(app.command == ["run"] && app.entryPoint == ["/init"])
        #expect(app.environment == ["A": "1"])
        #expect(app.secrets?.first?.provider == "ssm")
        #expect(app.secrets?.first?.type == "ENVIRONMENT_VARIABLE")
        #expect(app.logsAuthStrategy == "ExecutionRole")
        #expect(app.healthCheckType == "docker")
        #expect(app.portMappings == [ACSPortMapping(containerPort: 80, hostPort: 0, protocol_: "tcp"),
                                     ACSPortMapping(containerPortRange: "9000-9010", protocol_: "udp")])
        #expect(app.stopTimeout == 5 && app.startTimeout == 30)
        #expect(app.restartPolicy?.enabled == true)
        #expect(app.containerArn?.contains(":container/default/") == true)
        #expect(side.essential == false)
        #expect(side.dependsOn?.first?.condition == "HEALTHY")
        #expect(side.volumesFrom?.first?.sourceContainer == "app")
    }

    @Test("registryAuthentication: ECR image names (and configured stand-ins) get an ECR token with the execution role; repositoryCredentials win; other images get none")
    func registryAuthentication() {
        var context = TaskTranslation.Context(taskArn: "t", clusterArn: "c", accountId: "000000000000", containerArns: [:], region: "us-west-2",
                                              ecrRegistries: ["127.0.0.1:5000": "123456789012"])
        var definition = TaskDefinition()
        definition.executionRoleArn = "arn:aws:iam::000000000000:role/exec"
        func auth(_ image: String, credentials: String? = nil) -> RegistryAuthentication? {
            var c = ContainerDefinition(name: "c", image: image)
            c.repositoryCredentials = credentials.map { RepositoryCredentials(credentialsParameter: $0) }
            return TaskTranslation.registryAuthentication(c, definition: definition, context: context)
        }
        #expect(auth("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1") ==
                RegistryAuthentication(type: "ecr", ecrAuthData: .init(registryId: "111122223333", region: "eu-west-1", useExecutionRole: true)))
        #expect(auth("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app")?.ecrAuthData?.region == "cn-north-1")
        #expect(auth("127.0.0.1:5000/app:1")?.ecrAuthData?.registryId == "123456789012")
        #expect(auth("busybox") == nil)
        #expect(auth("ghcr.io/o/app") == nil)
        #expect(auth("12345.dkr.ecr.eu-west-1.amazonaws.com/app") == nil, "a registry id has 12 digits")
        #expect(auth("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app", credentials: "arn:aws:secretsmanager:eu-central-1:1:secret:r") ==
                RegistryAuthentication(type: "asm", asmAuthData: .init(credentialsParameter: "arn:aws:secretsmanager:eu-central-1:1:secret:r", region: "eu-central-1")))
        definition.executionRoleArn = nil
        context.ecrRegistries = [:]
        #expect(auth("111122223333.dkr.ecr.eu-west-1.amazonaws.com/app")?.ecrAuthData?.useExecutionRole == false, "no execution role: the instance's credentials")
    }
}
