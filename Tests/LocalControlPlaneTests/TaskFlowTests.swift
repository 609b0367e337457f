import AWSSupport
import ECSModel
import Testing
@testable import LocalControlPlane

@Suite("Tasks: placement, payloads, acks and state changes")
struct TaskFlowTests {
    /// A cluster with one connected instance and the web task definition.
    func ready(cpu: Int = 2048, memory: Int = 4096) async throws -> (Harness, String, RecordingSession) {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        let arn = try await h.registerInstance(cpu: cpu, memory: memory)
        let session = RecordingSession()
        try await h.plane.attach(session, instanceArn: arn)
        return (h, arn, session)
    }

    @Test("RunTask places on a connected instance and sends a PayloadMessage the agent can use")
    func runTask() async throws {
        let (h, instance, session) = try await ready()
        let out = try await h.call("RunTask", #"{"taskDefinition":"web","count":2,"startedBy":"test","overrides":{"containerOverrides":[{"name":"web","command":["sh","-c","echo hi"],"environment":[{"name":"A","value":"1"}]}]}}"#)
        let tasks = try #require(out["tasks"]?.arrayValue)
        #expect(tasks.count == 2)
        #expect(out["failures"] == .array([]))
        #expect(tasks[0]["lastStatus"]?.stringValue == "PENDING")
        #expect(tasks[0]["desiredStatus"]?.stringValue == "RUNNING")
        #expect(tasks[0]["containerInstanceArn"]?.stringValue == instance)
        let payloads = session.payloads
        #expect(payloads.count == 2)
        #expect(payloads[0].seqNum! < payloads[1].seqNum!)
        let task = try #require(payloads[0].tasks?.first)
        #expect(payloads[0].containerInstanceArn == instance)
        #expect(payloads[0].clusterArn == "arn:aws:ecs:us-west-2:000000000000:cluster/default")
        #expect(task.arn == tasks[0]["taskArn"]?.stringValue)
        #expect(task.family == "web" && task.version == "1" && task.desiredStatus == "RUNNING")
        let container = try #require(task.containers?.first)
        #expect(container.overrides == #"{"command":["sh","-c","echo hi"]}"#)
        #expect(container.environment == ["A": "1"])
        #expect(container.portMappings == [ACSPortMapping(containerPort: 8080, hostPort: 0, protocol_: "tcp")])
        #expect(container.memory == 128 && container.cpu == 256)

        let instanceView = try await h.call("DescribeContainerInstances", #"{"containerInstances":["\#(instance)"]}"#)["containerInstances"]?.arrayValue?.first
        #expect(instanceView?["remainingResources"]?.arrayValue?.first { $0["name"]?.stringValue == "CPU" }?["integerValue"] == .int(2048 - 512))
        #expect(instanceView?["pendingTasksCount"] == .int(2))
        #expect(instanceView?["agentConnected"] == .bool(true))
    }

    @Test("Unacknowledged payloads come again on reconnect; acknowledged ones do not")
    func resend() async throws {
        let (h, instance, session) = try await ready()
        try await h.call("RunTask", #"{"taskDefinition":"web","count":2}"#)
        let first = session.payloads
        #expect(first.count == 2)
        // The agent acknowledges only the first, then drops.
        let ack = try ACSEnvelope.encode(type: "AckRequest", ACSAckRequest(cluster: first[0].clusterArn, containerInstance: instance, messageId: first[0].messageId))
        await h.plane.received(ack, from: instance)
        await h.plane.detach(session.id, instanceArn: instance)
        #expect(await h.plane.unacknowledged(instanceArn: instance) == [first[1].messageId!])

        let again = RecordingSession()
        try await h.plane.attach(again, instanceArn: instance)
        #expect(again.payloads.map(\.messageId) == [first[1].messageId])

        // The outbox is on disk: a restarted control plane sends it too.
        let reopened = try await h.reopen()
        let third = RecordingSession()
        try await reopened.plane.attach(third, instanceArn: instance)
        #expect(third.payloads.map(\.messageId) == [first[1].messageId])
    }

    @Test("RUNNING then STOPPED from the agent: DescribeTasks shows statuses, exit codes and bindings; resources return")
    func stateChanges() async throws {
        let (h, instance, _) = try await ready()
        let taskArn = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        try await h.call("SubmitTaskStateChange", """
            {"cluster":"default","task":"\(taskArn)","status":"RUNNING","reason":"","containers":[{"containerName":"web","runtimeId":"abc123",
             "status":"RUNNING","networkBindings":[{"bindIP":"0.0.0.0","containerPort":8080,"hostPort":49153,"protocol":"tcp"}]}],
             "pullStartedAt":1735689600.1,"pullStoppedAt":1735689601.2}
            """)
        var task = try #require(try await h.call("DescribeTasks", #"{"tasks":["\#(taskArn)"]}"#)["tasks"]?.arrayValue?.first)
        #expect(task["lastStatus"]?.stringValue == "RUNNING")
        #expect(task["startedAt"] != nil)
        #expect(task["containers"]?.arrayValue?.first?["runtimeId"]?.stringValue == "abc123")
        #expect(task["containers"]?.arrayValue?.first?["networkBindings"]?.arrayValue?.first?["hostPort"] == .int(49153))
        #expect(try await h.call("ListTasks", #"{"containerInstance":"\#(instance)"}"#)["taskArns"]?.strings == [taskArn])

        try await h.call("SubmitTaskStateChange", """
            {"cluster":"default","task":"\(taskArn)","status":"STOPPED","reason":"Essential container in task exited",
             "containers":[{"containerName":"web","status":"STOPPED","exitCode":3,"reason":""}],"executionStoppedAt":1735689700.0}
            """)
        // A late RUNNING does not undo STOPPED.
        try await h.call("SubmitTaskStateChange", #"{"cluster":"default","task":"\#(taskArn)","status":"RUNNING"}"#)
        task = try #require(try await h.call("DescribeTasks", #"{"tasks":["\#(taskArn)"]}"#)["tasks"]?.arrayValue?.first)
        #expect(task["lastStatus"]?.stringValue == "STOPPED")
        #expect(task["desiredStatus"]?.stringValue == "STOPPED")
        #expect(task["stopCode"]?.stringValue == "EssentialContainerExited")
        #expect(task["containers"]?.arrayValue?.first?["exitCode"] == .int(3))
        let remaining = try await h.call("DescribeContainerInstances", #"{"containerInstances":["\#(instance)"]}"#)
        #expect(remaining["containerInstances"]?.arrayValue?.first?["remainingResources"]?.arrayValue?.first?["integerValue"] == .int(2048))
        #expect(try await h.call("ListTasks", #"{"desiredStatus":"STOPPED"}"#)["taskArns"]?.strings == [taskArn])
    }

    @Test("StopTask sends the task again with desiredStatus STOPPED")
    func stopTask() async throws {
        let (h, _, session) = try await ready()
        let taskArn = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        let stopped = try await h.call("StopTask", #"{"task":"\#(taskArn)","reason":"deploy"}"#)
        #expect(stopped["task"]?["desiredStatus"]?.stringValue == "STOPPED")
        #expect(stopped["task"]?["stoppedReason"]?.stringValue == "deploy")
        #expect(session.payloads.last?.tasks?.first?.desiredStatus == "STOPPED")
        #expect(session.payloads.last?.tasks?.first?.arn == taskArn)
        #expect(await h.error("StopTask", #"{"task":"arn:aws:ecs:us-west-2:000000000000:task/default/0000"}"#)?.type == "InvalidParameterException")
    }

    @Test("Over-subscription gives AWS's failure reasons", arguments: [
        (#"{"family":"big","containerDefinitions":[{"name":"a","image":"i","cpu":4096,"memory":8}]}"#, "RESOURCE:CPU"),
        (#"{"family":"big","containerDefinitions":[{"name":"a","image":"i","cpu":1,"memory":9000}]}"#, "RESOURCE:MEMORY"),
        (#"{"family":"big","containerDefinitions":[{"name":"a","image":"i","memory":8,"portMappings":[{"containerPort":22,"hostPort":22}]}]}"#, "RESOURCE:PORTS"),
        (#"{"family":"big","containerDefinitions":[{"name":"a","image":"i","memory":8,"portMappings":[{"containerPort":53,"hostPort":53,"protocol":"udp"}]},{"name":"b","image":"i","memory":8,"portMappings":[{"containerPort":53,"hostPort":53,"protocol":"udp"}]}]}"#, "RESOURCE:PORTS_UDP"),
    ])
    func oversubscription(definition: String, reason: String) async throws {
        let (h, instance, _) = try await ready()
        try await h.call("RegisterTaskDefinition", definition)
        let out = try await h.call("RunTask", #"{"taskDefinition":"big"}"#)
        #expect(out["tasks"] == .array([]))
        #expect(out["failures"]?.arrayValue?.first?["reason"]?.stringValue == reason)
        #expect(out["failures"]?.arrayValue?.first?["arn"]?.stringValue == instance)
    }

    @Test("A static host port is taken by the first task; the second gets RESOURCE:PORTS until the first stops")
    func staticPorts() async throws {
        let (h, _, _) = try await ready()
        try await h.call("RegisterTaskDefinition", staticPortTaskDefinition)
        let first = try #require(try await h.call("RunTask", #"{"taskDefinition":"static"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        #expect(try await h.call("RunTask", #"{"taskDefinition":"static"}"#)["failures"]?.arrayValue?.first?["reason"]?.stringValue == "RESOURCE:PORTS")
        try await h.call("SubmitTaskStateChange", #"{"task":"\#(first)","status":"STOPPED"}"#)
        #expect(try await h.call("RunTask", #"{"taskDefinition":"static"}"#)["tasks"]?.arrayValue?.count == 1)
    }

    @Test("No instances, or only disconnected ones, are reported")
    func noInstances() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        #expect(await h.error("RunTask", #"{"taskDefinition":"web"}"#)?.message == "No Container Instances were found in your cluster.")
        _ = try await h.registerInstance()
        #expect(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["failures"]?.arrayValue?.first?["reason"]?.stringValue == "AGENT")
    }

    @Test("State survives a restart of the control plane")
    func persistence() async throws {
        let (h, instance, _) = try await ready()
        let taskArn = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        let reopened = try await h.reopen()
        #expect(try await reopened.call("ListClusters")["clusterArns"]?.strings.count == 1)
        #expect(try await reopened.call("ListTasks")["taskArns"]?.strings == [taskArn])
        let view = try await reopened.call("DescribeContainerInstances", #"{"containerInstances":["\#(instance)"]}"#)["containerInstances"]?.arrayValue?.first
        #expect(view?["agentConnected"] == .bool(false))
        #expect(view?["remainingResources"]?.arrayValue?.first?["integerValue"] == .int(2048 - 256))
        let next = try await reopened.call("RegisterTaskDefinition", webTaskDefinition)
        #expect(next["taskDefinition"]?["revision"] == .int(2))
    }

    @Test("An agent's first connection (sendCredentials=true) gets fresh credentials for each role of its tasks")
    func credentialsPush() async throws {
        let (h, instance, session) = try await ready()
        try await h.call("RegisterTaskDefinition", #"{"family":"roles","taskRoleArn":"arn:aws:iam::000000000000:role/app","executionRoleArn":"arn:aws:iam::000000000000:role/exec","containerDefinitions":[{"name":"a","image":"i","memory":16}]}"#)
        let taskArn = try #require(try await h.call("RunTask", #"{"taskDefinition":"roles"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        let original = try #require(session.payloads.last?.tasks?.first?.roleCredentials)
        await h.plane.detach(session.id, instanceArn: instance)
        let fresh = RecordingSession()
        try await h.plane.attach(fresh, instanceArn: instance, sendCredentials: true)
        let messages = fresh.envelopes.filter { $0.type == "IAMRoleCredentialsMessage" }.compactMap { try? $0.decodeMessage(ACSIAMRoleCredentialsMessage.self) }
        #expect(messages.map(\.roleType) == ["TaskApplication", "TaskExecution"])
        #expect(messages.allSatisfy { $0.taskArn == taskArn && $0.messageId != nil })
        #expect(messages.first?.roleCredentials?.roleArn == "arn:aws:iam::000000000000:role/app")
        #expect(messages.first?.roleCredentials?.credentialsId != original.credentialsId)
        // A later reconnect without sendCredentials pushes nothing.
        let later = RecordingSession()
        try await h.plane.attach(later, instanceArn: instance)
        #expect(later.envelopes.filter { $0.type == "IAMRoleCredentialsMessage" }.isEmpty)
    }

    @Test("Concurrent calls are applied one at a time: every task is placed, counted and saved")
    func concurrentCalls() async throws {
        let (h, _, session) = try await ready(cpu: 100_000, memory: 100_000)
        let plane = h.plane
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let op = i % 4 == 0 ? "CreateCluster" : "RunTask"
                    let input = i % 4 == 0 ? #"{"clusterName":"c\#(i)"}"# : #"{"taskDefinition":"web"}"#
                    if case .failure(let error) = await plane.handle(operation: op, input: JSONValue.parse(input)!) { throw error }
                }
            }
            try await group.waitForAll()
        }
        #expect(session.payloads.count == 30)
        #expect(Set(session.payloads.map(\.seqNum)).count == 30)
        let reopened = try await h.reopen()
        #expect(try await reopened.call("ListTasks")["taskArns"]?.strings.count == 30)
        #expect(try await reopened.call("ListClusters")["clusterArns"]?.strings.count == 11)
    }

    @Test("A manifest lists the instance's tasks with a timeline above every seqNum; stop verification confirms only unwanted tasks")
    func manifests() async throws {
        let (h, instance, session) = try await ready()
        let running = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        let stopping = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        try await h.call("StopTask", #"{"task":"\#(stopping)"}"#)
        let manifestId = try #require(try await h.plane.sendManifest(to: instance))
        let manifest = try #require(session.envelopes.last { $0.type == "TaskManifestMessage" }.flatMap { try? $0.decodeMessage(ACSTaskManifestMessage.self) })
        #expect(manifest.messageId == manifestId)
        #expect(manifest.timeline! > session.payloads.compactMap(\.seqNum).max()!)
        #expect(Set(manifest.tasks?.compactMap(\.taskArn) ?? []) == [running, stopping])
        #expect(manifest.tasks?.first { $0.taskArn == stopping }?.desiredStatus == "STOPPED")

        let unknown = "arn:aws:ecs:us-west-2:000000000000:task/default/" + String(repeating: "0", count: 32)
        let verification = ACSTaskStopVerificationMessage(messageId: manifestId, stopCandidates: [
            ACSTaskIdentifier(taskArn: running, taskClusterArn: nil, desiredStatus: "STOPPED"),
            ACSTaskIdentifier(taskArn: stopping, taskClusterArn: nil, desiredStatus: "STOPPED"),
            ACSTaskIdentifier(taskArn: unknown, taskClusterArn: nil, desiredStatus: "STOPPED"),
        ])
        await h.plane.received(try ACSEnvelope.encode(type: "TaskStopVerificationMessage", verification), from: instance)
        let ack = try #require(session.envelopes.last { $0.type == "TaskStopVerificationAck" }.flatMap { try? $0.decodeMessage(ACSTaskStopVerificationAck.self) })
        #expect(ack.messageId == manifestId)
        #expect(Set(ack.stopTasks?.compactMap(\.taskArn) ?? []) == [stopping, unknown])
    }

    @Test("Task protection is set, read back and expires")
    func protection() async throws {
        let (h, _, _) = try await ready()
        let taskArn = try #require(try await h.call("RunTask", #"{"taskDefinition":"web"}"#)["tasks"]?.arrayValue?.first?["taskArn"]?.stringValue)
        let set = try await h.call("UpdateTaskProtection", #"{"tasks":["\#(taskArn)"],"protectionEnabled":true,"expiresInMinutes":5}"#)
        #expect(set["protectedTasks"]?.arrayValue?.first?["protectionEnabled"] == .bool(true))
        let got = try await h.call("GetTaskProtection", #"{"tasks":["\#(taskArn)","nope"]}"#)
        #expect(got["protectedTasks"]?.arrayValue?.first?["expirationDate"] != nil)
        #expect(got["failures"]?.arrayValue?.count == 1)
    }
}
