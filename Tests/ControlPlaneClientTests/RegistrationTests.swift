import AWSSupport
import AgentTestSupport
import ControlPlaneClient
import ECSModel
import Foundation
import StateStore
import Testing

@Suite("Registration")
struct RegistrationTests {
    func settings() -> RegistrationSettings {
        var s = RegistrationSettings(cluster: "")
        s.instanceAttributes = ["team": "a", "stack": "prod"]
        s.instanceTags = ["owner": "ops"]
        s.reservedMemoryMiB = 256
        s.loggingDrivers = ["json-file", "awslogs"]
        return s
    }

    func build(_ s: RegistrationSettings, arn: String? = nil) throws -> JSONValue {
        try RegistrationRequest.build(s, host: HostResources(cpuCount: 2, memoryMiB: 7936), dockerAPI: ("1.12", "1.41"),
                                      containerInstanceArn: arn, identityDocument: "{}", identitySignature: "sig", clientToken: "tok")
    }

    @Test("Resources are CPU×1024, memory minus the reservation, and the reserved ports (an empty UDP set is sent, not omitted)")
    func resources() throws {
        let input = try build(settings())
        let resources = try #require(input["totalResources"]?.arrayValue)
        #expect(resources.map { $0["name"]!.stringValue! } == ["CPU", "MEMORY", "PORTS", "PORTS_UDP"])
        #expect(resources[0]["integerValue"] == .int(2048))
        #expect(resources[1]["integerValue"] == .int(7936 - 256))
        #expect(resources[2]["stringSetValue"] == ["22", "2375", "2376", "51678", "51679"])
        #expect(resources[3]["stringSetValue"] == .array([]))
        #expect(input["cluster"] == "default")
        #expect(input["clientToken"] == "tok")
        #expect(input["instanceIdentityDocumentSignature"] == "sig")
        #expect(input["tags"] == [["key": "owner", "value": "ops"]])
        #expect(input["containerInstanceArn"] == nil)
        #expect(input["versionInfo"] == nil)
        var s = settings()
        s.reservedMemoryMiB = 9000
        #expect(throws: RegistrationError.reservedMemoryTooLarge(reserved: 9000, total: 7936)) { try build(s) }
    }

    @Test("Attributes: custom ones first and only on a new registration, then capabilities, then the OS attributes")
    func attributes() throws {
        let names = try build(settings())["attributes"]!.arrayValue!.map { $0["name"]!.stringValue! }
        #expect(Array(names.prefix(2)) == ["stack", "team"])
        #expect(names.contains("ecs.capability.full-sync"))
        #expect(names.contains("com.amazonaws.ecs.capability.docker-remote-api.1.32"))
        #expect(!names.contains("com.amazonaws.ecs.capability.docker-remote-api.1.26"))
        #expect(!names.contains("com.amazonaws.ecs.capability.docker-remote-api.1.33"))
        #expect(names.contains("com.amazonaws.ecs.capability.logging-driver.awslogs"))
        #expect(Array(names.suffix(3)) == ["ecs.os-type", "ecs.os-family", "ecs.os-type-detailed"])
        // Never advertise what is not implemented yet.
        for absent in ["com.amazonaws.ecs.capability.task-iam-role", "ecs.capability.task-eni", "ecs.capability.external", "ecs.capability.secrets.ssm.bootstrap.log-driver"] {
            #expect(!names.contains(absent))
        }
        // What the task engine implements.
        for present in ["ecs.capability.container-ordering", "ecs.capability.network.container-port-range", "ecs.capability.docker-plugin.local",
                        "ecs.capability.container-health-check", "ecs.capability.secrets.ssm.environment-variables", "ecs.capability.env-files.s3", "ecs.capability.container-restart-policy",
                        "com.amazonaws.ecs.capability.ecr-auth", "ecs.capability.execution-role-ecr-pull", "ecs.capability.private-registry-authentication.secretsmanager"] {
            #expect(names.contains(present))
        }
        #expect(!names.contains("ecs.capability.task-cpu-mem-limit"), "only when task cgroups can be made")
        var cgroups = settings()
        cgroups.taskCPUMemLimit = true
        #expect(try build(cgroups)["attributes"]!.arrayValue!.contains { $0["name"]?.stringValue == "ecs.capability.task-cpu-mem-limit" })
        var noHealth = settings()
        noHealth.dockerHealthCheckDisabled = true
        #expect(!(try build(noHealth)["attributes"]!.arrayValue!.contains { $0["name"]?.stringValue == "ecs.capability.container-health-check" }))
        let again = try build(settings(), arn: "arn:x")["attributes"]!.arrayValue!.map { $0["name"]!.stringValue! }
        #expect(!again.contains("team"))
        var external = settings()
        external.external = true
        external.architecture = "arm64"
        let ext = try build(external)["attributes"]!.arrayValue!
        #expect(ext.contains(["name": "ecs.capability.external"]))
        #expect(ext.last == ["name": "ecs.cpu-architecture", "value": "arm64"])
    }

    func registrar(_ api: FakeECSAPI, _ store: AgentStateStore, cluster: String = "") -> Registrar {
        var timing = Registrar.Timing()
        timing.transient = Backoff(initial: .milliseconds(10), maximum: .milliseconds(20), multiplier: 2, jitter: 0)
        timing.inactiveRetry = .milliseconds(50)
        var s = settings()
        s.cluster = cluster
        return Registrar(api: api, store: store, settings: s, host: HostResources(cpuCount: 1, memoryMiB: 1024), dockerAPI: nil,
                         identity: { ("", "") }, timing: timing, logger: quietLogger())
    }

    @Test("The ARN is stored and reused: the next start re-registers with it")
    func reuseArn() async throws {
        let dir = try TestEnvironment.temporaryDirectory("reg")
        let api = FakeECSAPI()
        var store = try await AgentStateStore.open(directory: dir, logger: quietLogger())
        let first = try await registrar(api, store).register()
        #expect(!first.reregistered)
        #expect(first.availabilityZone == "us-west-2a")
        await store.close()
        store = try await AgentStateStore.open(directory: dir, logger: quietLogger())
        let second = try await registrar(api, store).register()
        #expect(second.reregistered && second.containerInstanceArn == first.containerInstanceArn)
        #expect(await api.calls("RegisterContainerInstance")[1]["containerInstanceArn"]?.stringValue == first.containerInstanceArn)
        // Another cluster with the stored identity is refused with the way out.
        await #expect(throws: RegistrationError.clusterMismatch(stored: "default", configured: "other")) {
            try await registrar(api, store, cluster: "other").register()
        }
        await store.close()
    }

    @Test("A missing default cluster is created; a missing named cluster is terminal")
    func clusterCreation() async throws {
        let api = FakeECSAPI()
        let store = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        await api.fail("RegisterContainerInstance", with: [.service(AWSError.clusterNotFound())])
        _ = try await registrar(api, store).register()
        #expect(await api.calls("CreateCluster") == [["clusterName": "default"]])
        await api.fail("RegisterContainerInstance", with: [.service(AWSError.clusterNotFound())])
        let other = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        await #expect(throws: RegistrationError.self) { try await registrar(api, other, cluster: "named").register() }
        await store.close()
        await other.close()
    }

    @Test("Throttling and server errors are retried; an inactive instance is retried after the wait; a client error is terminal")
    func retries() async throws {
        let api = FakeECSAPI()
        let store = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        await api.fail("RegisterContainerInstance", with: [
            .service(AWSError("ThrottlingException", "slow down")), .service(AWSError.server("oops")),
            .transport(operation: "RegisterContainerInstance", reason: "refused"),
            .service(AWSError.client("Container instance arn:x is inactive")),
        ])
        _ = try await registrar(api, store).register()
        #expect(await api.calls("RegisterContainerInstance").count == 5)
        await api.fail("RegisterContainerInstance", with: [.service(AWSError.invalidParameter("bad attribute"))])
        let other = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        await #expect(throws: RegistrationError.self) { try await registrar(api, other).register() }
        await store.close()
        await other.close()
    }

    @Test("An attribute the control plane does not echo stops the agent")
    func echoChecked() async throws {
        let api = FakeECSAPI()
        await api.forget(["ecs.capability.full-sync"])
        let store = try await AgentStateStore.open(directory: nil, logger: quietLogger())
        await #expect(throws: RegistrationError.attributesNotEchoed(["ecs.capability.full-sync"])) { try await registrar(api, store).register() }
        #expect(try await store.value("containerInstanceArn") == nil)
        await store.close()
    }
}
