import ECSModel
@testable import Endpoints
import Testing

/// Every body equals the exact string the reference writes for the same state
/// (endpoints.md §0 rules: field order, sorted maps, omitted empties, JSON-string errors).
@Suite struct EndpointGoldenTests {
    static let labels = #"{"com.amazonaws.ecs.cluster":"default","com.amazonaws.ecs.container-name":"nginx","com.amazonaws.ecs.task-arn":"\#(Fixture.taskArn)","com.amazonaws.ecs.task-definition-family":"nginx","com.amazonaws.ecs.task-definition-version":"5"}"#
    static let v4Container = #"{"DockerId":"\#(Fixture.dockerID)","Name":"nginx","DockerName":"\#(Fixture.dockerName)","Image":"nginx:latest","ImageID":"\#(Fixture.imageID)","Ports":[{"ContainerPort":80,"Protocol":"tcp","HostPort":32768,"HostIp":"0.0.0.0"}],"Labels":\#(labels),"DesiredStatus":"RUNNING","KnownStatus":"RUNNING","Limits":{"CPU":256,"Memory":512},"CreatedAt":"2024-05-01T10:00:01.5Z","StartedAt":"2024-05-01T10:00:02Z","Type":"NORMAL","LogDriver":"awslogs","LogOptions":{"awslogs-group":"/ecs/nginx","awslogs-region":"us-west-2","awslogs-stream-prefix":"ecs"},"ContainerARN":"\#(Fixture.containerArn)","Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}]}"#
    static let v3Container = #"{"DockerId":"\#(Fixture.dockerID)","Name":"nginx","DockerName":"\#(Fixture.dockerName)","Image":"nginx:latest","ImageID":"\#(Fixture.imageID)","Ports":[{"ContainerPort":80,"Protocol":"tcp","HostPort":32768}],"Labels":\#(labels),"DesiredStatus":"RUNNING","KnownStatus":"RUNNING","Limits":{"CPU":256,"Memory":512},"CreatedAt":"2024-05-01T10:00:01.5Z","StartedAt":"2024-05-01T10:00:02Z","Type":"NORMAL","Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}]}"#

    func tmds(_ s: Fixture.Sources, limiter: RateLimiter? = nil, audit: @escaping @Sendable (String) -> Void = { _ in }) -> TaskMetadataAPI {
        TaskMetadataAPI(sources: s.endpoints, limiter: limiter, audit: audit, now: { 1_715_703_636 })
    }

    func get(_ api: TaskMetadataAPI, _ target: String, method: String = "GET") async -> EndpointResponse {
        await api.respond(EndpointRequest(method: method, target: target, remoteAddress: "172.17.0.2:53410", headers: [("User-Agent", "aws-sdk-go-v2/1.30.0")]))
    }

    @Test func v4TaskMetadataIsTheReferenceBodyByteForByte() async throws {
        let s = try Fixture.sources()
        let r = await get(tmds(s), "/v4/\(Fixture.endpointID)/task")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "application/json")
        #expect(r.bodyText == #"{"Cluster":"default","TaskARN":"\#(Fixture.taskArn)","Family":"nginx","Revision":"5","DesiredStatus":"RUNNING","KnownStatus":"RUNNING","PullStartedAt":"2024-05-01T10:00:00.25Z","PullStoppedAt":"2024-05-01T10:00:01.2Z","AvailabilityZone":"us-west-2a","LaunchType":"EC2","Containers":[\#(Self.v4Container)],"VPCID":"vpc-0123456789abcdef0","FaultInjectionEnabled":false,"AvailabilityZoneID":"usw2-az1"}"#)
    }

    @Test func v4AndV3ContainerMetadataDifferAsTheSpecSays() async throws {
        let s = try Fixture.sources()
        #expect(await get(tmds(s), "/v4/\(Fixture.endpointID)").bodyText == Self.v4Container)
        #expect(await get(tmds(s), "/v3/\(Fixture.endpointID)").bodyText == Self.v3Container)
        let v3Task = await get(tmds(s), "/v3/\(Fixture.endpointID)/task").bodyText
        #expect(v3Task == #"{"Cluster":"default","TaskARN":"\#(Fixture.taskArn)","Family":"nginx","Revision":"5","DesiredStatus":"RUNNING","KnownStatus":"RUNNING","Containers":[\#(Self.v3Container)],"PullStartedAt":"2024-05-01T10:00:00.25Z","PullStoppedAt":"2024-05-01T10:00:01.2Z","AvailabilityZone":"us-west-2a"}"#)
    }

    @Test func aRenderedBodyIsServedAgainOnlyUntilTheTaskChanges() async throws {
        let s = try Fixture.sources()
        let api = tmds(s)
        let first = await get(api, "/v4/\(Fixture.endpointID)/task").bodyText
        #expect(await get(api, "/v4/\(Fixture.endpointID)/task").bodyText == first)
        #expect(s.facts.asked.withLock { $0.count } == 1, "the second answer came from the rendering cache")
        var stopped = try Fixture.record()
        stopped.known = .stopped
        stopped.containers[0].known = .stopped
        stopped.containers[0].exitCode = 137
        s.board.publish(stopped)
        let after = await get(api, "/v4/\(Fixture.endpointID)/task").bodyText
        #expect(after.contains(#""KnownStatus":"STOPPED""#) && after.contains(#""ExitCode":137"#))
        let container = await get(api, "/v4/\(Fixture.endpointID)").bodyText
        #expect(container.contains(#""ExitCode":137"#))
    }

    @Test func healthIsEmptyUntilTheFirstChangeThenCarriesTheLastCheck() async throws {
        let s = try Fixture.sources()
        var r = try Fixture.record()
        r.task.containers?[0].dockerConfig = DockerConfig(config: #"{"Healthcheck":{"Test":["CMD","true"]}}"#, hostConfig: nil, version: nil)
        s.board.publish(r)
        #expect(await get(tmds(s), "/v3/\(Fixture.endpointID)").bodyText.contains(#""Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}],"Health":{}}"#))
        r.containers[0].health = .unhealthy
        r.containers[0].healthSince = 1_714_557_605
        s.board.publish(r)
        var facts = Fixture.facts()
        facts.healthExitCode = 1
        facts.healthOutput = "curl: (7) refused\n"
        s.facts.byID[Fixture.dockerID] = facts
        let body = await get(tmds(s), "/v4/\(Fixture.endpointID)").bodyText
        #expect(body.contains(#""Type":"NORMAL","Health":{"status":"UNHEALTHY","statusSince":"2024-05-01T10:00:05Z","exitCode":1,"output":"curl: (7) refused\n"},"ContainerARN""#), "\(body)")
    }

    @Test(arguments: [
        ("host", [ContainerFacts.Network(name: "host", ipv4: "")], "", #"[{"NetworkMode":"host","IPv4Addresses":[""]}]"#),
        ("none", [ContainerFacts.Network(name: "none", ipv4: "")], "", #"[{"NetworkMode":"none","IPv4Addresses":[""]}]"#),
        ("bridge", [ContainerFacts.Network(name: "bridge", ipv4: "172.17.0.3", ipv6: "fd00::3")], "",
         #"[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.3"],"IPv6Addresses":["fd00::3"]}]"#),
        ("default", [], "172.17.0.9", #"[{"NetworkMode":"default","IPv4Addresses":["172.17.0.9"]}]"#),
    ])
    func v4NetworksFollowDockersViewForEveryNetworkMode(mode: String, networks: [ContainerFacts.Network], ip: String, expected: String) throws {
        var facts = Fixture.facts()
        facts.networkMode = mode
        facts.networks = networks
        facts.ipAddress = ip
        #expect(GoJSON.array(TaskViews.networks(facts, .v4)).text == expected)
        // v3 never shows IPv6.
        #expect(!GoJSON.array(TaskViews.networks(facts, .v3)).text.contains("IPv6"))
    }

    @Test func metadataErrorsAreJSONStringsWithTheReferenceStatuses() async throws {
        let s = try Fixture.sources()
        let api = tmds(s)
        var r = await get(api, "/v4/nope")
        #expect(r.status == 404)
        #expect(r.bodyText == #""V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: nope""#)
        r = await get(api, "/v3/nope/task")
        #expect(r.status == 500)
        #expect(r.bodyText == #""V3 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope""#)
        r = await get(api, "/v4/")
        #expect(r.status == 404)
        r = await get(api, "/v3/")
        #expect(r.status == 500)
        r = await get(api, "/v4/nope/stats")
        #expect(r.status == 404)
        #expect(r.bodyText == #""V4 container stats handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope""#)
        r = await get(api, "/v2/metadata")
        #expect(r.status == 400)
        #expect(r.bodyText == #""Unable to get task arn from request: unable to associate '172.17.0.2' with task""#)
    }

    @Test(arguments: ["/", "/v2/meta", "/v2/statss", "/v3", "/v3/x/", "/v3/x/wrong-path", "/v3/x/task/", "/v3/x/task/stats/",
                      "/v3/x/task/stats/wrong-path", "/v3/x/associtions-with-typo/a/b", "/v4/x/task/", "/v2/credentials", "/v1/credentials/",
                      "/v4/x/tasks", "/v2/splunk-token/x", "/v2/container-env/x", "/v2/metadataWithTags/x"])
    func unroutedPathsGetGosNotFound(path: String) async throws {
        let r = await get(tmds(try Fixture.sources()), path)
        #expect(r.status == 404)
        #expect(r.bodyText == "404 page not found\n")
        #expect(r.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(r.header("X-Content-Type-Options") == "nosniff")
    }

    @Test func uncleanPathsAreRedirectedWithTheQueryAndNoBody() async throws {
        let api = tmds(try Fixture.sources())
        var r = await get(api, "//v2/credentials/test")
        #expect(r.status == 301 && r.header("Location") == "/v2/credentials/test" && r.body.isEmpty)
        r = await get(api, "/v3///task/?a=b")
        #expect(r.status == 301 && r.header("Location") == "/v3/task/?a=b")
        #expect(r.header("X-Rate-Limit-Limit") == nil)
    }

    @Test func credentialsAnswerWithTheFiveFieldsOrTheSpecifiedErrors() async throws {
        let s = try Fixture.sources()
        s.credentials.byID["task-creds"] = RoleCredentials(taskArn: Fixture.taskArn, role: .task, roleArn: "arn:aws:iam::111122223333:role/MyTaskRole",
                                                           accessKeyId: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                                           sessionToken: "IQoJb3JpZ2luX2VjE", expiration: "2024-05-14T17:27:16Z")
        let lines = Mutex<[String]>([])
        let api = tmds(s, audit: { line in lines.withLock { $0.append(line) } })
        var r = await get(api, "/v2/credentials/task-creds")
        #expect(r.status == 200)
        #expect(r.bodyText == #"{"RoleArn":"arn:aws:iam::111122223333:role/MyTaskRole","AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjE","Expiration":"2024-05-14T17:27:16Z"}"#)
        r = await get(api, "/v1/credentials?id=task-creds")
        #expect(r.status == 200)
        r = await get(api, "/v2/credentials/unknown")
        #expect(r.status == 400)
        #expect(r.bodyText == #"{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}"#)
        r = await get(api, "/v1/credentials")
        #expect(r.bodyText == #"{"code":"NoIdInRequest","message":"CredentialsV1Request: No Credential ID in the request","HTTPErrorCode":400}"#)
        // Named by a restored task, not sent by ACS yet.
        r = await get(api, "/v2/credentials/exec-creds")
        #expect(r.status == 503)
        #expect(r.bodyText == #"{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID","HTTPErrorCode":503}"#)
        // Before the engine restored its tasks, no ID is known to be wrong.
        s.restored.value.withLock { $0 = false }
        #expect(await get(api, "/v2/credentials/unknown").status == 503)
        let audit = lines.withLock { $0 }
        #expect(audit.first == "2024-05-14T16:20:36Z 200 172.17.0.2:53410 \"/v2/credentials\" \"aws-sdk-go-v2/1.30.0\" \(Fixture.taskArn) GetCredentials 2 default \(Fixture.instanceArn)")
        #expect(audit[2] == "2024-05-14T16:20:36Z 400 172.17.0.2:53410 \"/v2/credentials\" \"aws-sdk-go-v2/1.30.0\" - ")
        #expect(!audit.joined().contains("task-creds") && !audit.joined().contains("unknown"), "no credentials ID in the audit log")
    }

    @Test func theRateLimiterAddsItsHeadersAndAnswers429WhenTheBucketIsEmpty() async throws {
        let s = try Fixture.sources()
        let lines = Mutex<[String]>([])
        let api = tmds(s, limiter: RateLimiter(rate: 40, burst: 2), audit: { line in lines.withLock { $0.append(line) } })
        let first = await get(api, "/v4/\(Fixture.endpointID)")
        #expect(first.header("X-Rate-Limit-Limit") == "40.00")
        #expect(first.header("X-Rate-Limit-Duration") == "1")
        #expect(first.header("X-Rate-Limit-Request-Remote-Addr") == "172.17.0.2:53410")
        _ = await get(api, "/v4/\(Fixture.endpointID)")
        let third = await get(api, "/v4/\(Fixture.endpointID)")
        #expect(third.status == 429)
        #expect(third.bodyText == "You have reached maximum request limit.")
        #expect(third.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(lines.withLock { $0 }.first?.hasPrefix("2024-05-14T16:20:36Z 429 172.17.0.2:53410 \"/v4/\(Fixture.endpointID)\"") == true)
        // Another path has its own bucket.
        #expect(await get(api, "/v4/\(Fixture.endpointID)/task").status == 200)
    }

    @Test func statsAreDockersSampleInTheReferenceFieldOrderWithTheV4Rate() async throws {
        let s = try Fixture.sources()
        let raw = JSONValue.parse(#"{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","num_procs":2,"name":"name","id":"id","unknown_field":1,"networks":{"a":{"rx_bytes":5}},"cpu_stats":{},"memory_stats":{}}"#)!
        s.stats.byID[Fixture.dockerID] = StatsSample(raw: raw, networkRate: (rx: 10, tx: 15))
        let r = await get(tmds(s), "/v4/\(Fixture.endpointID)/stats")
        #expect(r.status == 200)
        #expect(r.bodyText == #"{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":2,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"name","id":"id","networks":{"a":{"rx_bytes":5,"rx_packets":0,"rx_errors":0,"rx_dropped":0,"tx_bytes":0,"tx_packets":0,"tx_errors":0,"tx_dropped":0}},"network_rate_stats":{"rx_bytes_per_sec":10,"tx_bytes_per_sec":15}}"#)
        let task = await get(tmds(s), "/v3/\(Fixture.endpointID)/task/stats")
        #expect(task.bodyText.hasPrefix(#"{"\#(Fixture.dockerID)":{"read":"#))
        #expect(!task.bodyText.contains("network_rate_stats"))
    }
}

import Synchronization
