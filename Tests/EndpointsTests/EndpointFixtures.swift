import ECSModel
@testable import Endpoints
import Foundation
import Synchronization
import TaskEngine

/// Fixed answers for the endpoints' sources.
final class FixedFacts: ContainerFactsSource, @unchecked Sendable {
    var byID: [String: ContainerFacts] = [:]
    let asked = Mutex<[String]>([])
    func facts(dockerID: String, state: String) async -> ContainerFacts? {
        asked.withLock { $0.append(dockerID) }
        return byID[dockerID]
    }
}

final class FixedCredentials: CredentialsSource, @unchecked Sendable {
    var byID: [String: RoleCredentials] = [:]
    func credentials(id: String) async -> RoleCredentials? { byID[id] }
}

final class FixedStats: StatsSource, @unchecked Sendable {
    var byID: [String: StatsSample] = [:]
    func stats(dockerID: String) async -> StatsSample? { byID[dockerID] }
}

final class Flag: Sendable {
    let value = Mutex(true)
}

/// One bridge task with one nginx container, as in endpoints.md §5.4.
enum Fixture {
    static let taskArn = "arn:aws:ecs:us-west-2:111122223333:task/default/8f1b4a2c9d7e4c3bb3b9d3f8d1e2a7c4"
    static let instanceArn = "arn:aws:ecs:us-west-2:111122223333:container-instance/default/1f73d099b1a74f8fb96e4a8b1e6b6a1f"
    static let dockerID = "9581a69a761a557fbfce1d0f6745e4af5b9dbfb86b6b2c5c4df156f1a5932ff1"
    static let dockerName = "ecs-nginx-5-nginx-d6cae4b6e8ea9bd1a301"
    static let endpointID = "0c3f6b1e-5a1d-4f0e-9a55-2b8b1d0a9c11"
    static let containerArn = "arn:aws:ecs:us-west-2:111122223333:container/default/8f1b4a2c9d7e4c3bb3b9d3f8d1e2a7c4/0c3f6b1e-5a1d-4f0e-9a55-2b8b1d0a9c11"
    static let imageID = "sha256:3f8a4339aadda5897b744682f5f774dc69991a81af8d715d37a616bb4c99edf5"

    static func record() throws -> TaskRecord {
        let hostConfig = #"{\"LogConfig\":{\"Type\":\"awslogs\",\"Config\":{\"awslogs-group\":\"/ecs/nginx\",\"awslogs-region\":\"us-west-2\",\"awslogs-stream-prefix\":\"ecs\"}}}"#
        let json = """
        {"arn":"\(taskArn)","family":"nginx","version":"5","desiredStatus":"RUNNING","launchType":"EC2",
         "containers":[{"name":"nginx","image":"nginx:latest","cpu":256,"memory":512,"containerArn":"\(containerArn)",
           "portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"}],
           "dockerConfig":{"hostConfig":"\(hostConfig)"}}]}
        """
        let task = try JSONDecoder().decode(ACSTask.self, from: Data(json.utf8))
        var c = ContainerRecord(name: "nginx", dockerName: dockerName, essential: true)
        c.dockerID = dockerID
        c.endpointID = endpointID
        c.known = .running
        c.bindings = [NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 32768, protocol_: "tcp")]
        var r = TaskRecord(task: task, containers: [c], volumeSuffix: "x", now: 1_714_557_600)
        r.known = .running
        r.pullStartedAt = 1_714_557_600.25
        r.pullStoppedAt = 1_714_557_601.2
        r.taskRoleCredentialsID = "task-creds"
        r.executionRoleCredentialsID = "exec-creds"
        return r
    }

    static func facts() -> ContainerFacts {
        var f = ContainerFacts()
        f.imageID = imageID
        f.labels = ["com.amazonaws.ecs.cluster": "default", "com.amazonaws.ecs.container-name": "nginx",
                    "com.amazonaws.ecs.task-arn": taskArn, "com.amazonaws.ecs.task-definition-family": "nginx",
                    "com.amazonaws.ecs.task-definition-version": "5"]
        f.createdAt = "2024-05-01T10:00:01.5Z"
        f.startedAt = "2024-05-01T10:00:02Z"
        f.networkMode = "bridge"
        f.networks = [.init(name: "bridge", ipv4: "172.17.0.2")]
        return f
    }

    struct Sources {
        let board = TaskBoard()
        let facts = FixedFacts()
        let credentials = FixedCredentials()
        let stats = FixedStats()
        let restored = Flag()

        var endpoints: EndpointSources {
            var agent = AgentFacts(cluster: "default", containerInstanceArn: Fixture.instanceArn, version: "Amazon ECS Agent - v1.105.1 (8dfceca6)")
            agent.availabilityZone = "us-west-2a"
            agent.vpcID = "vpc-0123456789abcdef0"
            agent.availabilityZoneID = "usw2-az1"
            let (restored, fixed) = (self.restored, agent)
            return EndpointSources(board: board, agent: { fixed }, facts: facts, credentials: credentials, stats: stats,
                                   restored: { restored.value.withLock { $0 } })
        }
    }

    static func sources() throws -> Sources {
        let s = Sources()
        s.board.publish(try record())
        s.facts.byID[dockerID] = facts()
        return s
    }
}
