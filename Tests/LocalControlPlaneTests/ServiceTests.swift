import AWSSupport
import ECSModel
import Testing
@testable import LocalControlPlane

/// Services through the API entry point, with a scripted agent: each step moves one task one
/// state (PENDING → RUNNING, or a stop carried out), in an order the test picks, and the
/// scheduler runs after each step as its timer would.
@Suite("Services: scheduler, rolling deployments, daemons, draining")
struct ServiceTests {
    func cluster(instances: Int, restartDelay: Double = 0) async throws -> (Harness, [String]) {
        let h = try await Harness.make { $0.serviceRestartDelay = restartDelay }
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        var arns: [String] = []
        for _ in 0..<instances {
            let arn = try await h.registerInstance()
            try await h.plane.attach(RecordingSession(), instanceArn: arn)
            arns.append(arn)
        }
        return (h, arns)
    }

    func serviceTasks(_ h: Harness) async -> [TaskRecord] {
        await h.plane.tasks.values.filter { $0.task.group?.hasPrefix("service:") == true }.sorted { $0.arn < $1.arn }
    }

    /// RUNNING as an observer sampling DescribeTasks would count them.
    func running(_ h: Harness) async -> Int { await serviceTasks(h).filter { $0.task.lastStatus == "RUNNING" }.count }

    /// One agent step: the first task (in `order`) that has something to do does it.
    @discardableResult
    func agentStep(_ h: Harness, stopsFirst: Bool) async throws -> Bool {
        let all = await serviceTasks(h)
        let stops = all.filter { $0.task.desiredStatus == "STOPPED" && $0.task.lastStatus != "STOPPED" }
        let starts = all.filter { $0.task.desiredStatus == "RUNNING" && $0.task.lastStatus == "PENDING" }
        guard let (task, status) = (stopsFirst ? stops.first.map { ($0, "STOPPED") } ?? starts.first.map { ($0, "RUNNING") }
                                               : starts.first.map { ($0, "RUNNING") } ?? stops.first.map { ($0, "STOPPED") }) else { return false }
        try await h.call("SubmitTaskStateChange", #"{"task":"\#(task.arn)","status":"\#(status)","reason":"\#(status == "STOPPED" ? "stopped by the agent" : "")"}"#)
        return true
    }

    /// Runs agent steps and scheduler passes until nothing moves; checks `bounds` after each step.
    func settle(_ h: Harness, stopsFirst: Bool, bounds: ClosedRange<Int>? = nil, samples: inout [Int]) async throws {
        for _ in 0..<200 {
            await h.plane.runSchedulerPass()
            let n = await running(h)
            samples.append(n)
            if let bounds { #expect(bounds.contains(n), "RUNNING \(n) outside \(bounds)") }
            guard try await agentStep(h, stopsFirst: stopsFirst) else {
                await h.plane.runSchedulerPass()
                if try await !agentStep(h, stopsFirst: stopsFirst) { return }
                continue
            }
            let after = await running(h)
            samples.append(after)
            if let bounds { #expect(bounds.contains(after), "RUNNING \(after) outside \(bounds)") }
        }
        Issue.record("the service did not settle")
    }

    func describe(_ h: Harness, _ name: String = "web") async throws -> JSONValue {
        try #require(try await h.call("DescribeServices", #"{"services":["\#(name)"]}"#)["services"]?.arrayValue?.first)
    }

    @Test("CreateService runs the desired count, DescribeServices shows counts, the deployment COMPLETED and the steady-state event")
    func createAndSteady() async throws {
        let (h, _) = try await cluster(instances: 2)
        let created = try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":4}"#)
        #expect(created["service"]?["status"]?.stringValue == "ACTIVE")
        #expect(created["service"]?["pendingCount"] == .int(4))
        #expect(created["service"]?["deploymentConfiguration"]?["maximumPercent"] == .int(200))
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        let s = try await describe(h)
        #expect(s["runningCount"] == .int(4) && s["pendingCount"] == .int(0))
        let deployments = s["deployments"]?.arrayValue ?? []
        #expect(deployments.count == 1)
        #expect(deployments.first?["status"]?.stringValue == "PRIMARY" && deployments.first?["rolloutState"]?.stringValue == "COMPLETED")
        let messages = s["events"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
        #expect(messages.first == "(service web) has reached a steady state.")
        #expect(messages.contains { $0.hasPrefix("(service web) has started 4 tasks: (task ") })
        #expect(messages.contains { $0.contains("deployment completed.") })
        let listed = try await h.call("ListServices")["serviceArns"]?.arrayValue
        #expect(listed == [.string("arn:aws:ecs:us-west-2:000000000000:service/default/web")])
    }

    @Test("A rolling update with min 50 % / max 100 % keeps 2 to 4 RUNNING and ends with the new revision only")
    func rollingHalf() async throws {
        let (h, _) = try await cluster(instances: 2)
        try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":4,"deploymentConfiguration":{"maximumPercent":100,"minimumHealthyPercent":50}}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        for stopsFirst in [true, false] {
            let revision = stopsFirst ? "web:2" : "web:1"
            try await h.call("UpdateService", #"{"service":"web","taskDefinition":"\#(revision)"}"#)
            let during = try await describe(h)
            #expect(during["deployments"]?.arrayValue?.count == 2)
            samples = []
            try await settle(h, stopsFirst: stopsFirst, bounds: 2...4, samples: &samples)
            if stopsFirst { #expect(samples.min() == 2, "the update used the room min 50 % gives: \(samples)") }
            let tasks = await serviceTasks(h).filter { $0.task.lastStatus != "STOPPED" }
            #expect(tasks.count == 4 && tasks.allSatisfy { $0.task.taskDefinitionArn?.hasSuffix(revision) == true })
            #expect(try await describe(h)["deployments"]?.arrayValue?.count == 1, "the old deployment is gone")
        }
    }

    @Test("With min 100 % / max 200 % a rolling update never has fewer than 4 RUNNING")
    func rollingFull() async throws {
        let (h, _) = try await cluster(instances: 2)
        try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":4}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        try await h.call("UpdateService", #"{"service":"web","taskDefinition":"web:2"}"#)
        samples = []
        try await settle(h, stopsFirst: false, bounds: 4...8, samples: &samples)
        #expect(samples.max() == 8, "new tasks started before old ones stopped: \(samples)")
        let live = await serviceTasks(h).filter { $0.task.lastStatus != "STOPPED" }
        #expect(live.count == 4 && live.allSatisfy { $0.task.taskDefinitionArn?.hasSuffix("web:2") == true })
    }

    @Test("A service task that stops on its own is replaced, counted as failed, and the replacement waits for the backoff")
    func replacement() async throws {
        let (h, _) = try await cluster(instances: 1, restartDelay: 3600)
        try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":2}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        let victim = try #require(await serviceTasks(h).first)
        try await h.call("SubmitTaskStateChange", #"{"task":"\#(victim.arn)","status":"STOPPED","reason":"Essential container in task exited"}"#)
        await h.plane.runSchedulerPass()
        #expect(await serviceTasks(h).filter { $0.task.lastStatus != "STOPPED" }.count == 1, "the backoff holds the replacement")
        #expect(try await describe(h)["deployments"]?.arrayValue?.first?["failedTasks"] == .int(1))

        let (h2, _) = try await cluster(instances: 1, restartDelay: 0)
        try await h2.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":2}"#)
        try await settle(h2, stopsFirst: true, samples: &samples)
        let second = try #require(await serviceTasks(h2).first)
        try await h2.call("SubmitTaskStateChange", #"{"task":"\#(second.arn)","status":"STOPPED","reason":"Essential container in task exited"}"#)
        await h2.plane.runSchedulerPass()
        let live = await serviceTasks(h2).filter { $0.task.lastStatus != "STOPPED" }
        #expect(live.count == 2 && !live.contains { $0.arn == second.arn }, "a new task took its place")
    }

    @Test("A DAEMON service runs one task per instance, and one more on an instance that joins")
    func daemon() async throws {
        let (h, _) = try await cluster(instances: 2)
        #expect(await h.error("CreateService", #"{"serviceName":"d","taskDefinition":"web:1","schedulingStrategy":"DAEMON","desiredCount":1}"#)?.type == "InvalidParameterException")
        try await h.call("CreateService", #"{"serviceName":"d","taskDefinition":"web:1","schedulingStrategy":"DAEMON"}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        #expect(Set(await serviceTasks(h).map(\.instanceArn)).count == 2)
        let third = try await h.registerInstance()
        try await h.plane.attach(RecordingSession(), instanceArn: third)
        try await settle(h, stopsFirst: true, samples: &samples)
        let live = await serviceTasks(h).filter { $0.task.lastStatus == "RUNNING" }
        #expect(live.count == 3 && live.contains { $0.instanceArn == third })
        #expect(try await describe(h, "d")["desiredCount"] == .int(3))
    }

    @Test("Draining an instance moves its service tasks elsewhere without dropping below the minimum healthy count")
    func draining() async throws {
        let (h, instances) = try await cluster(instances: 2)
        try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":4,"placementStrategy":[{"type":"spread","field":"instanceId"}]}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        #expect(await serviceTasks(h).filter { $0.instanceArn == instances[0] }.count == 2)
        try await h.call("UpdateContainerInstancesState", #"{"containerInstances":["\#(instances[0])"],"status":"DRAINING"}"#)
        samples = []
        try await settle(h, stopsFirst: false, bounds: 4...8, samples: &samples)
        let live = await serviceTasks(h).filter { $0.task.lastStatus != "STOPPED" }
        #expect(live.count == 4 && live.allSatisfy { $0.instanceArn == instances[1] })
    }

    @Test("Health reported over TCS holds a deployment until tasks are HEALTHY; an UNHEALTHY task is replaced")
    func health() async throws {
        let (h, _) = try await cluster(instances: 1)
        try await h.call("RegisterTaskDefinition", #"{"family":"hc","containerDefinitions":[{"name":"app","image":"busybox","cpu":10,"memory":16,"healthCheck":{"command":["CMD-SHELL","true"]}}]}"#)
        try await h.call("CreateService", #"{"serviceName":"hc","taskDefinition":"hc","desiredCount":1}"#)
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        #expect(try await describe(h, "hc")["deployments"]?.arrayValue?.first?["rolloutState"]?.stringValue == "IN_PROGRESS", "RUNNING but not yet HEALTHY")
        let task = try #require(await serviceTasks(h).first)
        func report(_ status: String) async {
            await h.plane.recordHealth(.object(["tasks": .array([.object(["taskArn": .string(task.arn), "containers": .array([
                .object(["containerName": .string("app"), "healthStatus": .string(status)])])])])]))
        }
        await report("HEALTHY")
        await h.plane.runSchedulerPass()
        #expect(try await describe(h, "hc")["deployments"]?.arrayValue?.first?["rolloutState"]?.stringValue == "COMPLETED")
        await report("UNHEALTHY")
        await h.plane.runSchedulerPass()
        let stopped = await h.plane.tasks[task.arn]
        #expect(stopped?.task.desiredStatus == "STOPPED" && stopped?.task.stoppedReason == "Task failed container health checks")
        let messages = try await describe(h, "hc")["events"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
        #expect(messages.contains { $0.contains("failed container health checks") })
    }

    @Test("DeleteService refuses a scaled service without force; with force it drains to INACTIVE; bad input is refused")
    func deleteAndErrors() async throws {
        let (h, _) = try await cluster(instances: 1)
        try await h.call("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":1}"#)
        #expect(await h.error("CreateService", #"{"serviceName":"web","taskDefinition":"web:1","desiredCount":1}"#)?.message == "Creation of service was not idempotent.")
        #expect(await h.error("DeleteService", #"{"service":"web"}"#)?.message == "The service cannot be stopped while it is scaled above 0.")
        #expect(await h.error("UpdateService", #"{"service":"nope","desiredCount":1}"#)?.type == "ServiceNotFoundException")
        #expect(await h.error("CreateService", #"{"serviceName":"x","taskDefinition":"web:1","desiredCount":1,"deploymentConfiguration":{"maximumPercent":100,"minimumHealthyPercent":100}}"#)?.type == "InvalidParameterException")
        #expect(await h.error("CreateService", #"{"serviceName":"x","taskDefinition":"web:1","desiredCount":1,"placementStrategy":[{"type":"binpack","field":"disk"}]}"#)?.type == "InvalidParameterException")
        let deleted = try await h.call("DeleteService", #"{"service":"web","force":true}"#)
        #expect(deleted["service"]?["status"]?.stringValue == "DRAINING")
        var samples: [Int] = []
        try await settle(h, stopsFirst: true, samples: &samples)
        #expect(try await describe(h)["status"]?.stringValue == "INACTIVE")
        #expect(try await h.call("ListServices")["serviceArns"] == .array([]))
        let missing = try await h.call("DescribeServices", #"{"services":["ghost"]}"#)
        #expect(missing["failures"]?.arrayValue?.first?["reason"]?.stringValue == "MISSING")
    }
}
