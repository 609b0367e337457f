@testable import Endpoints
import TaskEngine
import Testing

@Suite struct IntrospectionTests {
    func api(_ s: Fixture.Sources, license: String? = "LICENSE TEXT") -> IntrospectionAPI {
        IntrospectionAPI(sources: s.endpoints, license: { license })
    }

    static let v1Task = #"{"Arn":"\#(Fixture.taskArn)","DesiredStatus":"RUNNING","KnownStatus":"RUNNING","Family":"nginx","Version":"5","Containers":[{"DockerId":"\#(Fixture.dockerID)","DockerName":"\#(Fixture.dockerName)","Name":"nginx","Image":"nginx:latest","ImageID":"\#(Fixture.imageID)","CreatedAt":"2024-05-01T10:00:01.5Z","StartedAt":"2024-05-01T10:00:02Z","Ports":[{"ContainerPort":80,"Protocol":"tcp","HostPort":32768}]}]}"#

    @Test func metadataNamesTheClusterTheInstanceAndTheVersion() async throws {
        let r = await api(try Fixture.sources()).respond(EndpointRequest(target: "/v1/metadata"))
        #expect(r.status == 200)
        #expect(r.bodyText == #"{"Cluster":"default","ContainerInstanceArn":"\#(Fixture.instanceArn)","Version":"Amazon ECS Agent - v1.105.1 (8dfceca6)"}"#)
    }

    @Test func `v1 logs shows each container's shipping, or the command list when the agent does not ship`() async throws {
        let s = try Fixture.sources()
        #expect(await api(s).respond(EndpointRequest(target: "/v1/logs")).bodyText == IntrospectionAPI.defaultBody)
        var sources = s.endpoints
        sources.logShipping = {
            [LogShippingView(taskArn: "arn:t", containerName: "web", dockerID: "abc", group: "/ecs/web", stream: "app/web/t", following: true,
                             shippedEvents: 12, rejectedEvents: 1, gaps: 0, lastError: "ThrottlingException: slow down <now>")]
        }
        let r = await IntrospectionAPI(sources: sources, license: { nil }).respond(EndpointRequest(target: "/v1/logs"))
        #expect(r.status == 200)
        #expect(r.bodyText == #"{"Containers":[{"TaskARN":"arn:t","ContainerName":"web","DockerId":"abc","LogGroup":"/ecs/web","LogStream":"app/web/t","Following":true,"ShippedEvents":12,"RejectedEvents":1,"Gaps":0,"LastError":"ThrottlingException: slow down \u003cnow\u003e"}]}"#)
    }

    @Test func tasksAreListedAndFoundByArnOrDockerIDPrefix() async throws {
        let s = try Fixture.sources()
        let a = api(s)
        #expect(await a.respond(EndpointRequest(target: "/v1/tasks")).bodyText == #"{"Tasks":[\#(Self.v1Task)]}"#)
        #expect(await a.respond(EndpointRequest(target: "/v1/tasks?taskarn=\(Fixture.taskArn)")).bodyText == Self.v1Task)
        #expect(await a.respond(EndpointRequest(target: "/v1/tasks?dockerid=9581a69a761a")).bodyText == Self.v1Task)
        #expect(await a.respond(EndpointRequest(target: "/v1/tasks?dockerid=\(Fixture.dockerID)")).bodyText == Self.v1Task)
        let empty = #"{"Arn":"","KnownStatus":"","Family":"","Version":"","Containers":null}"#
        var r = await a.respond(EndpointRequest(target: "/v1/tasks?dockerid=9581a69a761a5"))
        #expect(r.status == 404 && r.bodyText == empty, "longer than 12: exact match only")
        r = await a.respond(EndpointRequest(target: "/v1/tasks?taskarn=nope"))
        #expect(r.status == 404 && r.bodyText == empty)
        r = await a.respond(EndpointRequest(target: "/v1/tasks?dockerid=9&taskarn=x"))
        #expect(r.status == 400 && r.bodyText == empty)
    }

    @Test func aPrefixThatMatchesTwoContainersIsAmbiguous() async throws {
        let s = try Fixture.sources()
        var other = try Fixture.record()
        other.task.arn = "arn:aws:ecs:us-west-2:111122223333:task/default/other"
        other.containers[0].dockerID = "9581ffff"
        other.containers[0].endpointID = "other"
        s.board.publish(other)
        let r = await api(s).respond(EndpointRequest(target: "/v1/tasks?dockerid=9581"))
        #expect(r.status == 400)
        #expect(await api(s).respond(EndpointRequest(target: "/v1/tasks?dockerid")).status == 400, "present but empty: every container matches")
    }

    @Test func everyOtherPathGetsTheCommandListAndUncleanPathsAreRedirected() async throws {
        let a = api(try Fixture.sources())
        for path in ["/", "/v1/tasks/", "/v1/foo"] {
            let r = await a.respond(EndpointRequest(target: path))
            #expect(r.status == 200 && r.bodyText == #"{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}"#)
        }
        let r = await a.respond(EndpointRequest(target: "//v1//metadata?x=1"))
        #expect(r.status == 301 && r.header("Location") == "/v1/metadata?x=1")
        #expect(await a.respond(EndpointRequest(target: "/license")).bodyText == "LICENSE TEXT")
        #expect(await api(try Fixture.sources(), license: nil).respond(EndpointRequest(target: "/license")).status == 500)
    }
}
