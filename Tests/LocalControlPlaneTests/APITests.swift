import AWSSupport
import ECSModel
import Testing
@testable import LocalControlPlane

@Suite("ECS API: clusters and task definitions")
struct ClusterAndDefinitionTests {
    @Test("Clusters: create is idempotent, list and describe show them, MISSING for unknown, delete makes INACTIVE")
    func clusters() async throws {
        let h = try await Harness.make()
        let first = try await h.call("CreateCluster", #"{"clusterName":"prod","tags":[{"key":"team","value":"a"}]}"#)
        #expect(first["cluster"]?["clusterArn"]?.stringValue == "arn:aws:ecs:us-west-2:000000000000:cluster/prod")
        try await h.call("CreateCluster", #"{"clusterName":"prod"}"#)
        try await h.call("CreateCluster")
        #expect(try await h.call("ListClusters")["clusterArns"]?.strings.count == 2)
        let described = try await h.call("DescribeClusters", #"{"clusters":["prod","ghost"]}"#)
        #expect(described["clusters"]?.arrayValue?.count == 1)
        #expect(described["failures"]?.arrayValue?.first?["reason"]?.stringValue == "MISSING")
        #expect(try await h.call("DeleteCluster", #"{"cluster":"prod"}"#)["cluster"]?["status"]?.stringValue == "INACTIVE")
        #expect(await h.error("DeleteCluster", #"{"cluster":"prod"}"#)?.type == "ClusterNotFoundException")
        #expect(await h.error("CreateCluster", #"{"clusterName":"bad name!"}"#)?.type == "InvalidParameterException")
    }

    @Test("A cluster with instances cannot be deleted")
    func deleteBusyCluster() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        _ = try await h.registerInstance()
        #expect(await h.error("DeleteCluster")?.type == "ClusterContainsContainerInstancesException")
    }

    @Test("Task definitions get revisions, defaults and required attributes; describe, deregister and list work")
    func taskDefinitions() async throws {
        let h = try await Harness.make()
        let one = try await h.call("RegisterTaskDefinition", webTaskDefinition)
        let two = try await h.call("RegisterTaskDefinition", webTaskDefinition)
        #expect(one["taskDefinition"]?["revision"] == .int(1))
        #expect(two["taskDefinition"]?["taskDefinitionArn"]?.stringValue == "arn:aws:ecs:us-west-2:000000000000:task-definition/web:2")
        let container = two["taskDefinition"]?["containerDefinitions"]?.arrayValue?.first
        #expect(container?["essential"] == .bool(true))
        #expect(container?["portMappings"]?.arrayValue?.first?["protocol"]?.stringValue == "tcp")
        #expect(container?["environment"] == .array([]))
        #expect(try await h.call("DescribeTaskDefinition", #"{"taskDefinition":"web"}"#)["taskDefinition"]?["revision"] == .int(2))
        #expect(try await h.call("DescribeTaskDefinition", #"{"taskDefinition":"web:1"}"#)["taskDefinition"]?["revision"] == .int(1))
        try await h.call("DeregisterTaskDefinition", #"{"taskDefinition":"web:2"}"#)
        #expect(try await h.call("DescribeTaskDefinition", #"{"taskDefinition":"web"}"#)["taskDefinition"]?["revision"] == .int(1))
        #expect(try await h.call("ListTaskDefinitions")["taskDefinitionArns"]?.strings.count == 1)
        #expect(try await h.call("ListTaskDefinitions", #"{"status":"INACTIVE"}"#)["taskDefinitionArns"]?.strings.count == 1)
        #expect(try await h.call("ListTaskDefinitionFamilies")["families"]?.strings == ["web"])
        #expect(await h.error("DescribeTaskDefinition", #"{"taskDefinition":"nope"}"#)?.type == "ClientException")
    }

    static let invalid: [(String, String)] = [
        (#"{"family":"f","containerDefinitions":[]}"#, "Container list cannot be empty"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i"}]}"#, "'memory' or 'memoryReservation'"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":8},{"name":"a","image":"i","memory":8}]}"#, "Duplicate container name 'a'"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":8,"memoryReservation":16}]}"#, "memoryReservation must be less"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":8,"dependsOn":[{"containerName":"b","condition":"START"}]}]}"#, "no container named 'b'"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":8,"mountPoints":[{"sourceVolume":"v","containerPath":"/x"}]}]}"#, "unknown volume 'v'"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":8,"portMappings":[{"containerPort":70000}]}]}"#, "'containerPort'"),
        (#"{"family":"f","networkMode":"host","containerDefinitions":[{"name":"a","image":"i","memory":8,"portMappings":[{"containerPort":80,"hostPort":81}]}]}"#, "must match"),
        (#"{"family":"bad family","containerDefinitions":[{"name":"a","image":"i","memory":8}]}"#, "Family contains invalid characters"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"","memory":8}]}"#, "Container.image"),
        (#"{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":"lots"}]}"#, "containerDefinitions[0].memory"),
        (#"{"containerDefinitions":[{"name":"a","image":"i","memory":8}]}"#, "family is required"),
    ]

    @Test("Invalid task definitions are refused with a message that names the problem", arguments: invalid)
    func invalidDefinitions(body: String, message: String) async throws {
        let h = try await Harness.make()
        let error = try #require(await h.error("RegisterTaskDefinition", body))
        #expect(["ClientException", "InvalidParameterException"].contains(error.type))
        #expect(error.message.contains(message), "\(error.message)")
        #expect(try await h.call("ListTaskDefinitionFamilies")["families"]?.strings == [])
    }

    @Test("Unknown operations and non-object bodies are AWS errors")
    func unknown() async throws {
        let h = try await Harness.make()
        #expect(await h.error("LaunchRockets")?.type == "UnknownOperationException")
        #expect(await h.error("ListClusters", "[1]")?.type == "SerializationException")
        #expect(await h.error("DescribeClusters", #"{"clusters":"prod"}"#)?.type == "InvalidParameterException")
    }
}

@Suite("ECS API: container instances")
struct InstanceTests {
    @Test("Registration echoes every attribute, adds the availability zone, and reports resources")
    func registration() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        let attrs = #"[{"name":"ecs.capability.container-ordering"},{"name":"stack","value":"prod"}]"#
        let arn = try await h.registerInstance(attributes: attrs)
        let described = try await h.call("DescribeContainerInstances", #"{"containerInstances":["\#(arn)"]}"#)
        let instance = try #require(described["containerInstances"]?.arrayValue?.first)
        let names = instance["attributes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("ecs.capability.container-ordering"))
        #expect(instance["attributes"]?.arrayValue?.first { $0["name"]?.stringValue == "stack" }?["value"]?.stringValue == "prod")
        #expect(instance["attributes"]?.arrayValue?.first { $0["name"]?.stringValue == "ecs.availability-zone" }?["value"]?.stringValue == "us-west-2a")
        #expect(instance["remainingResources"]?.arrayValue?.first { $0["name"]?.stringValue == "CPU" }?["integerValue"] == .int(2048))
        #expect(instance["agentConnected"] == .bool(false))
        #expect(instance["status"]?.stringValue == "ACTIVE")
    }

    @Test("Re-registration with the ARN keeps the instance; a foreign ARN is refused")
    func reregistration() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        let arn = try await h.registerInstance()
        let again = try await h.call("RegisterContainerInstance", """
            {"cluster":"default","containerInstanceArn":"\(arn)","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":1024},{"name":"MEMORY","type":"INTEGER","integerValue":512}]}
            """)
        #expect(again["containerInstance"]?["containerInstanceArn"]?.stringValue == arn)
        #expect(try await h.call("ListContainerInstances")["containerInstanceArns"]?.strings == [arn])
        #expect(await h.error("RegisterContainerInstance", #"{"containerInstanceArn":"arn:aws:ecs:us-west-2:000000000000:container-instance/other/x","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":1},{"name":"MEMORY","type":"INTEGER","integerValue":1}]}"#)?.type == "InvalidParameterException")
        #expect(await h.error("RegisterContainerInstance", #"{"totalResources":[]}"#)?.message.contains("CPU") == true)
    }

    @Test("Draining, attributes and deregistration")
    func stateAndAttributes() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        let arn = try await h.registerInstance()
        let drained = try await h.call("UpdateContainerInstancesState", #"{"containerInstances":["\#(arn)"],"status":"DRAINING"}"#)
        #expect(drained["containerInstances"]?.arrayValue?.first?["status"]?.stringValue == "DRAINING")
        try await h.call("PutAttributes", #"{"attributes":[{"name":"color","value":"blue","targetType":"container-instance","targetId":"\#(arn)"}]}"#)
        let listed = try await h.call("ListAttributes", #"{"targetType":"container-instance","attributeName":"color"}"#)
        #expect(listed["attributes"]?.arrayValue?.first?["value"]?.stringValue == "blue")
        try await h.call("DeregisterContainerInstance", #"{"containerInstance":"\#(arn)"}"#)
        #expect(try await h.call("ListContainerInstances")["containerInstanceArns"]?.strings == [])
    }
}

@Suite("Deregistered container instances")
struct InactiveInstanceTests {
    @Test("A deregistered instance stays inactive across a restart: its ARN cannot re-register and its agent is told InactiveInstanceException")
    func inactiveStays() async throws {
        var h = try await Harness.make()
        try await h.call("CreateCluster")
        let arn = try await h.registerInstance()
        let session = RecordingSession()
        try await h.plane.attach(session, instanceArn: arn)
        try await h.call("DeregisterContainerInstance", #"{"containerInstance":"\#(arn)"}"#)
        #expect(session.closed?.contains("InactiveInstanceException") == true)
        h = try await h.reopen()
        let refusal = await h.error("RegisterContainerInstance", """
            {"cluster":"default","containerInstanceArn":"\(arn)","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":1024},{"name":"MEMORY","type":"INTEGER","integerValue":1024}]}
            """)
        #expect(refusal?.type == "ClientException")
        #expect(refusal?.message.contains("is inactive") == true)
        await #expect {
            try await h.plane.attach(RecordingSession(), instanceArn: arn)
        } throws: { error in
            (error as? ACSRefusal)?.type == "InactiveInstanceException"
        }
        // A new registration (no ARN) is fine.
        _ = try await h.registerInstance()
    }
}
