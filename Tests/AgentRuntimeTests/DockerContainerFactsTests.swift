@testable import AgentRuntime
import DockerEngine
import Endpoints
import Foundation
import Testing

@Suite struct DockerContainerFactsTests {
    @Test func anInspectBecomesTheEndpointsFactsWithUnsetTimesLeftOut() throws {
        let json = """
        {"Id":"abc","Name":"/ecs-x","Created":"2024-05-01T10:00:01.5Z","Image":"sha256:1","Config":{"Image":"busybox","Labels":{"a":"b"}},
         "State":{"Status":"exited","Running":false,"StartedAt":"2024-05-01T10:00:02Z","FinishedAt":"0001-01-01T00:00:00Z",
                  "Health":{"Status":"unhealthy","Log":[{"ExitCode":0,"Output":"ok"},{"ExitCode":2,"Output":"down"}]}},
         "HostConfig":{"NetworkMode":"host"},
         "NetworkSettings":{"IPAddress":"","Networks":{"host":{"IPAddress":""}}},
         "Mounts":[{"Type":"volume","Name":"v","Source":"/var/lib/docker/volumes/v/_data","Destination":"/data"}]}
        """
        let facts = DockerContainerFacts.facts(try JSONDecoder().decode(ContainerInspect.self, from: Data(json.utf8)))
        #expect(facts.imageID == "sha256:1" && facts.labels == ["a": "b"])
        #expect(facts.createdAt == "2024-05-01T10:00:01.5Z" && facts.startedAt == "2024-05-01T10:00:02Z" && facts.finishedAt == nil)
        #expect(facts.networkMode == "host" && facts.networks == [ContainerFacts.Network(name: "host", ipv4: "")])
        #expect(facts.mounts == [ContainerFacts.Mount(name: "v", source: "/var/lib/docker/volumes/v/_data", destination: "/data")])
        #expect(facts.healthExitCode == 2 && facts.healthOutput == "down")
    }
}
