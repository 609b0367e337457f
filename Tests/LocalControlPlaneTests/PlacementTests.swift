import AWSSupport
import ECSModel
import Testing
@testable import LocalControlPlane

@Suite("Cluster query language")
struct ClusterQueryTests {
    let small = ClusterQuery.Facts(attributes: ["ecs.instance-type": "t2.small", "ecs.availability-zone": "us-east-1a", "stack": "prod", "cores": "8"],
                                   ec2InstanceId: "i-0abc", agentConnected: true, agentVersion: "1.105.1", registeredAt: 1_529_360_908,
                                   runningTasksCount: 3, taskGroups: ["service:web", "family:db"])

    func eval(_ text: String) throws -> Bool { try ClusterQuery.parse(text).matches(small) }

    @Test("The documented examples evaluate as AWS describes them")
    func documentedExamples() throws {
        #expect(try eval("attribute:ecs.instance-type == t2.small"))
        #expect(try eval("attribute:ecs.instance-type == t2.*"), "== takes wildcards")
        #expect(try !eval("attribute:ecs.instance-type == m5.*"))
        #expect(try eval("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"))
        #expect(try eval("attribute:ecs.availability-zone not_in (us-east-1c)"))
        #expect(try eval("attribute:ecs.instance-type =~ t2.*"))
        #expect(try eval("attribute:ecs.instance-type !~ g2.*"))
        #expect(try eval("task:group == service:web"))
        #expect(try eval("not(task:group == database)"))
        #expect(try eval("runningTasksCount == 3") && eval("runningTasksCount > 1") && !eval("runningTasksCount >= 4"))
        #expect(try eval("ec2InstanceId in ['i-0abc', 'i-0def']"))
        #expect(try eval("registeredAt < 2018-06-19") && eval("registeredAt > 2018-06-18T22:28:00Z"))
        #expect(try eval("agentVersion >= 1.9.0") && eval("agentVersion < 1.105.10"), "versions compare by number, not text")
        #expect(try eval("agentConnected == true"))
        #expect(try eval("attribute:stack exists") && eval("attribute:missing !exists") && eval("attribute:missing not_exists"))
        #expect(try eval("attribute:cores > 4"), "numeric attributes compare as numbers")
        #expect(try eval("attribute:ecs.instance-type =~ t2.* and attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"))
        #expect(try eval("attribute:stack == dev or (attribute:stack == prod && !(runningTasksCount > 10))"))
        #expect(try eval("attribute:missing != x"), "!= holds for an instance without the attribute")
    }

    @Test("A malformed expression is an InvalidParameterException that quotes it and says where")
    func malformed() {
        for (text, fragment) in [("attribute:stack ==", "expected a value after the operator at the end"),
                                 ("attribute:stack", "expected an operator after 'attribute:stack' at the end"),
                                 ("colour == red", "unknown subject 'colour'"),
                                 ("runningTasksCount in [1, 2]", "'runningTasksCount' cannot be compared with this operator"),
                                 ("attribute:a == b and", "expected a subject"),
                                 ("(attribute:a == b", "expected ')' at the end"),
                                 ("attribute:a in [b, c", "expected ',' or ']'"),
                                 ("attribute:a == 'b", "the quote at position 16 is not closed"),
                                 ("attribute:a == b c", "unexpected 'c' at position 18")] {
            do {
                _ = try ClusterQuery.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.type == "InvalidParameterException")
                #expect(error.message.contains("\"\(text)\""), "\(error.message)")
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }
}

@Suite("Placement strategies and constraints")
struct PlacementPolicyTests {
    /// Three instances a, b, c (2048 CPU, 4096 MiB), attributes given per instance.
    func candidates(_ spec: [(String, [String: String], used: Int, group: Int)]) -> [Placement.Candidate] {
        spec.map { arn, attributes, used, group in
            var instance = ContainerInstance()
            instance.containerInstanceArn = arn
            instance.status = "ACTIVE"
            let record = InstanceRecord(instance: instance, clusterArn: "c", registeredCPU: 2048, registeredMemory: 4096,
                                        reservedTCP: [], reservedUDP: [], tags: [], connected: true)
            var usage = Usage()
            usage.memory = used
            usage.cpu = used / 2
            return Placement.Candidate(arn: arn, record: record, usage: usage, groupTasks: group,
                                       facts: .init(attributes: attributes, ec2InstanceId: arn, agentConnected: true, agentVersion: "1.105.1",
                                                    registeredAt: 0, runningTasksCount: group, taskGroups: group > 0 ? ["family:web"] : []))
        }
    }

    func policy(_ strategies: String, _ constraints: [PlacementConstraint] = []) throws -> Placement.Policy {
        try Placement.Policy.parse(strategies: JSONValue.parse(strategies)?.arrayValue ?? [], constraints: constraints)
    }

    var demand: Demand { Demand(cpu: 128, memory: 256) }

    @Test("binpack memory fills the fullest instance that still fits; binpack cpu reads CPU")
    func binpack() throws {
        let pool = candidates([("a", [:], used: 1000, group: 0), ("b", [:], used: 3000, group: 0), ("c", [:], used: 3900, group: 0)])
        #expect(Placement.choose(demand, among: pool, policy: try policy(#"[{"type":"binpack","field":"memory"}]"#)) == .placed("b"),
                "c has 196 MiB left: the task does not fit there")
        #expect(Placement.choose(Demand(cpu: 64, memory: 100), among: pool, policy: try policy(#"[{"type":"binpack","field":"cpu"}]"#)) == .placed("c"))
    }

    @Test("spread over an attribute evens out the group's tasks per value, then a second strategy breaks the tie")
    func spread() throws {
        let pool = candidates([("a", ["zone": "1a"], used: 0, group: 2), ("b", ["zone": "1b"], used: 500, group: 0), ("c", ["zone": "1b"], used: 2000, group: 1)])
        // zone 1a holds 2 tasks of the group, 1b holds 1: 1b wins; within it binpack takes the fuller c.
        let p = try policy(#"[{"type":"spread","field":"attribute:zone"},{"type":"binpack","field":"memory"}]"#)
        #expect(Placement.choose(demand, among: pool, policy: p) == .placed("c"))
        #expect(Placement.choose(demand, among: pool, policy: try policy(#"[{"type":"spread","field":"instanceId"}]"#)) == .placed("b"))
    }

    @Test("random picks among the instances the earlier strategies left, using the random source")
    func random() throws {
        let pool = candidates([("a", [:], used: 0, group: 0), ("b", [:], used: 0, group: 0), ("c", [:], used: 0, group: 0)])
        let p = try policy(#"[{"type":"random"}]"#)
        #expect(Placement.choose(demand, among: pool, policy: p, random: { 1 }) == .placed("b"))
        #expect(Placement.choose(demand, among: pool, policy: p, random: { 5 }) == .placed("c"))
    }

    @Test("memberOf and distinctInstance leave instances out with AWS's reasons")
    func constraints() throws {
        let pool = candidates([("a", ["stack": "prod"], used: 0, group: 1), ("b", ["stack": "prod"], used: 0, group: 0), ("c", ["stack": "dev"], used: 0, group: 0)])
        let p = try policy("[]", [PlacementConstraint(type: "memberOf", expression: "attribute:stack == prod"), PlacementConstraint(type: "distinctInstance")])
        #expect(Placement.choose(demand, among: pool, policy: p) == .placed("b"))
        let full = candidates([("a", ["stack": "prod"], used: 0, group: 1), ("c", ["stack": "dev"], used: 0, group: 0)])
        #expect(Placement.choose(demand, among: full, policy: p) == .unplaceable([
            Failure(arn: "a", reason: "DistinctInstance placement constraint unsatisfied."),
            Failure(arn: "c", reason: "MemberOf placement constraint unsatisfied."),
        ]))
    }

    @Test("Bad strategies and constraints are refused with what to use instead")
    func validation() {
        let cases: [(String, [PlacementConstraint], String)] = [
            (#"[{"type":"binpack","field":"disk"}]"#, [], "use cpu or memory"),
            (#"[{"type":"spread"}]"#, [], "requires a field"),
            (#"[{"type":"spread","field":"zone"}]"#, [], "use instanceId, host or attribute:<name>"),
            (#"[{"type":"closest"}]"#, [], "use random, spread or binpack"),
            ("[]", [PlacementConstraint(type: "distinctInstance", expression: "attribute:a == b")], "cannot specify an expression"),
            ("[]", [PlacementConstraint(type: "memberOf")], "requires an expression"),
            ("[]", [PlacementConstraint(type: "memberOf", expression: "attribute:a ==")], "Invalid expression"),
            ("[]", [PlacementConstraint(type: "sameZone")], "use distinctInstance or memberOf"),
        ]
        for (strategies, constraints, fragment) in cases {
            do {
                _ = try policy(strategies, constraints)
                Issue.record("accepted: \(strategies) \(constraints)")
            } catch {
                #expect((error as? AWSError)?.message.contains(fragment) == true, "\(error)")
            }
        }
    }

    @Test("RunTask honours placementStrategy, placementConstraints and ListContainerInstances filters over registered attributes")
    func throughTheAPI() async throws {
        let h = try await Harness.make()
        try await h.call("CreateCluster")
        try await h.call("RegisterTaskDefinition", webTaskDefinition)
        var arns: [String] = []
        for zone in ["1a", "1b", "1b"] {
            let arn = try await h.registerInstance(attributes: #"[{"name":"zone","value":"\#(zone)"}]"#)
            try await h.plane.attach(RecordingSession(), instanceArn: arn)
            arns.append(arn)
        }
        let filtered = try await h.call("ListContainerInstances", #"{"filter":"attribute:zone == 1b"}"#)["containerInstanceArns"]?.arrayValue?.compactMap(\.stringValue)
        #expect(Set(filtered ?? []) == Set(arns[1...]))
        #expect(await h.error("ListContainerInstances", #"{"filter":"attribute:zone =="}"#)?.type == "InvalidParameterException")

        // Spread over zones: 6 tasks, 3 per zone.
        let out = try await h.call("RunTask", #"{"taskDefinition":"web","count":6,"placementStrategy":[{"type":"spread","field":"attribute:zone"}]}"#)
        let placed = out["tasks"]?.arrayValue?.compactMap { $0["containerInstanceArn"]?.stringValue } ?? []
        #expect(placed.filter { $0 == arns[0] }.count == 3, "\(placed)")
        // memberOf a zone and distinctInstance: two fit, the third is refused with the reason.
        let pinned = try await h.call("RunTask", #"{"taskDefinition":"web","count":3,"group":"pinned","placementConstraints":[{"type":"memberOf","expression":"attribute:zone == 1b"},{"type":"distinctInstance"}]}"#)
        #expect(Set(pinned["tasks"]?.arrayValue?.compactMap { $0["containerInstanceArn"]?.stringValue } ?? []) == Set(arns[1...]))
        #expect(pinned["failures"]?.arrayValue?.contains { $0["reason"]?.stringValue == "DistinctInstance placement constraint unsatisfied." } == true)
        #expect(await h.error("RunTask", #"{"taskDefinition":"web","placementStrategy":[{"type":"binpack","field":"disk"}]}"#)?.type == "InvalidParameterException")

        // PutAttributes feeds memberOf; DeleteAttributes takes it away again.
        try await h.call("PutAttributes", #"{"attributes":[{"name":"tier","value":"gold","targetType":"container-instance","targetId":"\#(arns[2])"}]}"#)
        let gold = try await h.call("RunTask", #"{"taskDefinition":"web","count":2,"placementConstraints":[{"type":"memberOf","expression":"attribute:tier == gold"}]}"#)
        #expect(gold["tasks"]?.arrayValue?.allSatisfy { $0["containerInstanceArn"]?.stringValue == arns[2] } == true)
        try await h.call("DeleteAttributes", #"{"attributes":[{"name":"tier","targetType":"container-instance","targetId":"\#(arns[2])"}]}"#)
        let none = try await h.call("RunTask", #"{"taskDefinition":"web","placementConstraints":[{"type":"memberOf","expression":"attribute:tier exists"}]}"#)
        #expect(none["tasks"] == .array([]))
        #expect(none["failures"]?.arrayValue?.count == 3)
    }
}
