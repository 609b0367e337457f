import ECSModel
import Foundation
import TaskEngine
import Testing

@Suite("Docker create request")
struct CreateRequestTests {
    static let taskJSON = """
    {"arn":"arn:aws:ecs:us-west-2:123456789012:task/default/abc","family":"web","version":"7","desiredStatus":"RUNNING","networkMode":"bridge",
     "containers":[{"name":"nginx","image":"busybox","cpu":0,"memory":2,"essential":true,"command":["httpd"],"entryPoint":["/bin/sh","-c"],
       "environment":{"A":"1"},"links":["db:database"],"volumesFrom":[{"sourceContainer":"data","readOnly":true}],
       "portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"},{"containerPortRange":"9000-9002","protocol":"udp"}],
       "overrides":"{\\"command\\":[\\"sh\\",\\"-c\\",\\"echo hi\\"]}",
       "dockerConfig":{"config":"{\\"Labels\\":{\\"team\\":\\"a\\",\\"com.amazonaws.ecs.cluster\\":\\"spoofed\\"},\\"User\\":\\"nobody\\",\\"Env\\":[\\"B=2\\"]}",
                       "hostConfig":"{\\"MemoryReservation\\":268435456,\\"Ulimits\\":[{\\"Name\\":\\"nofile\\",\\"Soft\\":1024,\\"Hard\\":2048}],\\"CgroupParent\\":\\"/evil\\"}"}}]}
    """

    static func task(_ json: String = taskJSON) throws -> ACSTask { try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8)) }

    func context() -> CreateContext {
        var c = CreateContext(cluster: "default", region: "us-west-2")
        c.ports = [PortBinding(containerPort: 80, hostPort: 49153)] + (0..<3).map { PortBinding(containerPort: 9000 + $0, hostPort: 50000 + $0, proto: .udp) }
        c.binds = ["/srv/data:/data"]
        c.dockerNames = ["db": "ecs-web-7-db-0123", "data": "ecs-web-7-data-4567"]
        c.injectedEnvironment = ["ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x"]
        c.cgroupParent = "/ecs/abc"
        return c
    }

    @Test("Config: overrides replace the command, the backend overlay adds fields, agent labels win, env is merged and sorted")
    func config() throws {
        let task = try Self.task()
        let body = try CreateRequest.body(task: task, container: task.containers![0], context: context())
        #expect(body["Image"] == "busybox")
        #expect(body["Cmd"] == ["sh", "-c", "echo hi"])
        #expect(body["Entrypoint"] == ["/bin/sh", "-c"])
        #expect(body["User"] == "nobody")
        #expect(body["ExposedPorts"]?.objectValue?.keys.sorted() == ["80/tcp", "9000/udp", "9001/udp", "9002/udp"])
        #expect(body["Labels"]?["team"] == "a")
        #expect(body["Labels"]?["com.amazonaws.ecs.cluster"] == "default", "the agent's labels win")
        #expect(body["Labels"]?["com.amazonaws.ecs.task-arn"] == .string(task.arn!))
        #expect(body["Labels"]?["com.amazonaws.ecs.task-definition-version"] == "7")
        #expect(body["Env"] == ["A=1", "AWS_DEFAULT_REGION=us-west-2", "AWS_REGION=us-west-2", "B=2", "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x"])
    }

    @Test("HostConfig: links, binds, ports, volumesFrom, CPU floor, memory floor, the backend overlay, and the agent's cgroup last")
    func hostConfig() throws {
        let task = try Self.task()
        let host = try #require(try CreateRequest.body(task: task, container: task.containers![0], context: context())["HostConfig"])
        #expect(host["Links"] == ["ecs-web-7-db-0123:database"])
        #expect(host["Binds"] == ["/srv/data:/data"])
        #expect(host["PortBindings"]?["80/tcp"] == [["HostPort": "49153"]])
        #expect(host["PortBindings"]?["9001/udp"] == [["HostPort": "50001"]])
        #expect(host["VolumesFrom"] == ["ecs-web-7-data-4567:ro"])
        #expect(host["CpuShares"] == 2, "cpu 0 becomes 2 shares")
        #expect(host["Memory"] == .int(4 << 20), "2 MiB is raised to 4 MiB")
        #expect(host["MemoryReservation"] == 268435456)
        #expect(host["Ulimits"]?.arrayValue?.first?["Name"] == "nofile")
        #expect(host["CgroupParent"] == "/ecs/abc", "the task cgroup overrides the backend's")
        #expect(host["NetworkMode"] == "bridge")
    }

    @Test("The region is not injected when the task or the image sets one")
    func regionKept() throws {
        var task = try Self.task()
        task.containers![0].environment = ["AWS_REGION": "eu-west-1"]
        var body = try CreateRequest.body(task: task, container: task.containers![0], context: context())
        #expect(body["Env"]?.arrayValue?.contains("AWS_DEFAULT_REGION=us-west-2") == false)
        task.containers![0].environment = [:]
        var c = context()
        c.imageEnvironment = ["AWS_DEFAULT_REGION"]
        body = try CreateRequest.body(task: task, container: task.containers![0], context: c)
        #expect(body["Env"]?.arrayValue?.contains("AWS_REGION=us-west-2") == false)
    }

    @Test("Policy and shape errors name the container and the reason", arguments: [
        (#"{"arn":"a","containers":[{"name":"p","image":"i","dockerConfig":{"hostConfig":"{\"Privileged\":true}"}}]}"#, "ECS_DISABLE_PRIVILEGED"),
        (#"{"arn":"a","containers":[{"name":"h","image":"i","healthCheckType":"docker"}]}"#, "docker health check"),
        (#"{"arn":"a","networkMode":"awsvpc","containers":[{"name":"n","image":"i"}]}"#, "awsvpc"),
        (#"{"arn":"a","containers":[{"name":"j","image":"i","dockerConfig":{"config":"[1]"}}]}"#, "dockerConfig.config is not a JSON object"),
        (#"{"arn":"a","containers":[{"name":"l","image":"i","links":["ghost"]}]}"#, "link target ghost"),
    ])
    func errors(json: String, reason: String) throws {
        let task = try Self.task(json)
        var c = context()
        c.privilegedDisabled = true
        c.dockerNames = [:]
        #expect(throws: CreateRequestError.self) { try CreateRequest.body(task: task, container: task.containers![0], context: c) }
        do { _ = try CreateRequest.body(task: task, container: task.containers![0], context: c) } catch { #expect(error.reason.contains(reason), "\(error)") }
    }

    @Test("Docker names: family, revision, the container name reduced to [A-Za-z0-9-], 20 hex characters")
    func names() {
        var rng = SystemRandomNumberGenerator()
        let name = CreateRequest.dockerName(family: "web", revision: "7", container: "my_app.v2-é", using: &rng)
        #expect(name.hasPrefix("ecs-web-7-myappv2--"))
        #expect(name.split(separator: "-").last?.count == 20)
        #expect(name != CreateRequest.dockerName(family: "web", revision: "7", container: "my_app.v2-é", using: &rng))
    }
}
