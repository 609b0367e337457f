import ECSModel
@testable import Endpoints
import Foundation
import Testing

@Suite struct ContainerMetadataFileTests {
    static func task() throws -> ACSTask {
        try JSONDecoder().decode(ACSTask.self, from: Data(#"{"arn":"\#(Fixture.taskArn)","family":"nginx","version":"5"}"#.utf8))
    }

    @Test func theReadyFileIsTheSpecsExampleTabIndented() throws {
        var agent = AgentFacts(cluster: "default", containerInstanceArn: Fixture.instanceArn, version: "")
        agent.availabilityZone = "us-west-2a"
        var facts = ContainerFacts()
        facts.networks = [.init(name: "bridge", ipv4: "172.17.0.2")]
        let ready = ContainerMetadataFile.Ready(containerID: Fixture.dockerID, dockerName: "/" + Fixture.dockerName, imageID: Fixture.imageID,
                                                imageName: "nginx:latest", ports: [.init(containerPort: 80, hostPort: 32768, bindIP: "0.0.0.0", proto: "tcp")],
                                                facts: facts)
        let text = ContainerMetadataFile.render(agent: agent, task: try Self.task(), containerName: "nginx", ready: ready,
                                                hostPrivateIPv4: "10.0.1.23", hostPublicIPv4: "54.1.2.3")
        #expect(text == """
        {
        \t"Cluster": "default",
        \t"ContainerInstanceARN": "\(Fixture.instanceArn)",
        \t"TaskARN": "\(Fixture.taskArn)",
        \t"TaskDefinitionFamily": "nginx",
        \t"TaskDefinitionRevision": "5",
        \t"ContainerID": "\(Fixture.dockerID)",
        \t"ContainerName": "nginx",
        \t"DockerContainerName": "/\(Fixture.dockerName)",
        \t"ImageID": "\(Fixture.imageID)",
        \t"ImageName": "nginx:latest",
        \t"PortMappings": [
        \t\t{
        \t\t\t"ContainerPort": 80,
        \t\t\t"ContainerPortRange": "",
        \t\t\t"HostPort": 32768,
        \t\t\t"BindIp": "0.0.0.0",
        \t\t\t"Protocol": "tcp"
        \t\t}
        \t],
        \t"Networks": [
        \t\t{
        \t\t\t"NetworkMode": "bridge",
        \t\t\t"IPv4Addresses": [
        \t\t\t\t"172.17.0.2"
        \t\t\t]
        \t\t}
        \t],
        \t"MetadataFileStatus": "READY",
        \t"AvailabilityZone": "us-west-2a",
        \t"HostPrivateIPv4Address": "10.0.1.23",
        \t"HostPublicIPv4Address": "54.1.2.3"
        }
        """)
    }

    @Test func theInitialFileHasNoDockerFieldsAndNoStatus() throws {
        let agent = AgentFacts(cluster: "default", containerInstanceArn: nil, version: "")
        let text = ContainerMetadataFile.render(agent: agent, task: try Self.task(), containerName: "nginx", ready: nil)
        #expect(!text.contains("MetadataFileStatus") && !text.contains("ContainerID") && !text.contains("ContainerInstanceARN"))
        #expect(text.hasPrefix("{\n\t\"Cluster\": \"default\",") && text.hasSuffix("\"ContainerName\": \"nginx\"\n}"))
    }
}
