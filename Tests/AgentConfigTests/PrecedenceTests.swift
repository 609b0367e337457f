import Testing
@testable import AgentConfig

@Suite("Sources and precedence")
struct PrecedenceTests {
    static let files = [("/var/lib/ecs/ecs.config", "ECS_CLUSTER=from-var-lib\nECS_RESERVED_MEMORY=100\n"),
                        ("/etc/ecs/ecs.config", "ECS_CLUSTER=from-etc\n")]

    @Test("The environment wins over /etc/ecs/ecs.config, which wins over /var/lib/ecs/ecs.config")
    func fileOrder() {
        #expect(load(files: Self.files).cluster == "from-etc")
        #expect(load(files: Self.files).int("ECS_RESERVED_MEMORY") == 100)
        #expect(load(env: ["ECS_CLUSTER": "from-env"], files: Self.files).cluster == "from-env")
        #expect(load(env: ["ECS_CLUSTER": "from-env"], files: Self.files).origins["ECS_CLUSTER"] == "environment")
        #expect(load(files: Self.files).origins["ECS_CLUSTER"] == "/etc/ecs/ecs.config:1")
    }

    @Test("The JSON file fills what the environment and ecs.config leave unset")
    func jsonFillsGaps() {
        let json = #"{"Cluster": "from-json", "ReservedMemory": 256, "DockerStopTimeout": 45000000000}"#
        let config = load(files: file("ECS_RESERVED_MEMORY=512\n"), json: json)
        #expect(config.cluster == "from-json")
        #expect(config.int("ECS_RESERVED_MEMORY") == 512)
        #expect(config.containerStopTimeout == .seconds(45))
    }

    @Test("An empty value (Go's zero) falls through to the next source")
    func zeroFallsThrough() {
        let config = load(env: ["ECS_CLUSTER": ""], json: #"{"Cluster": "from-json"}"#)
        #expect(config.cluster == "from-json")
        let ports = load(env: ["ECS_RESERVED_PORTS": "[]"])
        #expect(ports.ports("ECS_RESERVED_PORTS") == [22, 2375, 2376, 51678, 51679])
    }

    @Test("An explicit false in the environment is not overridden by the JSON file")
    func explicitFalseHolds() {
        let config = load(env: ["ECS_CHECKPOINT": "false"], json: #"{"Checkpoint": true}"#)
        #expect(config.checkpointEnabled == false)
    }

    @Test("ECS_AGENT_CONFIG_FILE_PATH moves the JSON file")
    func jsonPathOverride() {
        let config = load(env: ["ECS_AGENT_CONFIG_FILE_PATH": "/tmp/x.json"], json: #"{"Cluster": "moved"}"#, jsonPath: "/tmp/x.json")
        #expect(config.cluster == "moved")
        #expect(config.jsonFilePath == "/tmp/x.json")
    }

    @Test("Unrelated process variables are not reported; unknown ECS_ keys get a suggestion")
    func unknownKeys() {
        let config = load(env: ["PATH": "/bin", "HOME": "/root", "ECS_CLUSTR": "x", "ECS_CONTAINER_STOP_TIMOUT": "5s"])
        #expect(config.problems(for: "PATH").isEmpty)
        #expect(config.problems(for: "ECS_CLUSTR").first?.message.contains("did you mean ECS_CLUSTER?") == true)
        #expect(config.problems(for: "ECS_CONTAINER_STOP_TIMOUT").first?.message.contains("ECS_CONTAINER_STOP_TIMEOUT") == true)
        #expect(!config.hasErrors)
    }

    @Test("An unknown key in an ecs.config file is reported even without the ECS_ prefix")
    func unknownFileKey() {
        let config = load(files: file("AWS_REGION=us-east-1\n"))
        #expect(config.problems(for: "AWS_REGION").first?.severity == .warning)
    }

    @Test("JSON file: invalid JSON is an error; unknown fields get a suggestion; ClusterArn fills Cluster")
    func jsonFileShapes() {
        #expect(load(json: "{not json").hasErrors)
        #expect(load(json: "[1,2]").hasErrors)
        #expect(!load(json: "  \n").hasErrors)
        let config = load(json: #"{"Clustr": "x", "ClusterArn": "arn:aws:ecs:us-west-2:1:cluster/c"}"#)
        #expect(config.problems(for: "Clustr").first?.message.contains("Cluster") == true)
        #expect(config.cluster == "arn:aws:ecs:us-west-2:1:cluster/c")
        #expect(load(json: #"{"ImagePullBehavior": 3}"#).string("ECS_IMAGE_PULL_BEHAVIOR") == "prefer-cached")
        #expect(load(json: #"{"TaskMetadataSteadyStateRate": 5, "TaskMetadataBurstRate": 9}"#).taskMetadataRateLimit == .init(steady: 5, burst: 9))
    }

    @Test("ECS_EXTERNAL without a region is an error")
    func externalNeedsRegion() {
        #expect(load(env: ["ECS_EXTERNAL": "true"]).errors(for: "AWS_DEFAULT_REGION").count == 1)
        #expect(!load(env: ["ECS_EXTERNAL": "true", "AWS_DEFAULT_REGION": "eu-west-1"]).hasErrors)
    }
}

@Suite("Out-of-range values: warn and say what is used")
struct ClampTests {
    static let cases: [(String, String, String)] = [
        ("ECS_CONTAINER_STOP_TIMEOUT", "500ms", "1s"),
        ("ECS_CONTAINER_START_TIMEOUT", "10s", "45s"),
        ("ECS_CONTAINER_CREATE_TIMEOUT", "30s", "1m0s"),
        ("ECS_MANIFEST_PULL_TIMEOUT", "5s", "30s"),
        ("ECS_IMAGE_PULL_INACTIVITY_TIMEOUT", "30s", "1m0s"),
        ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", "500ms", "3h0m0s"),
        ("ECS_IMAGE_CLEANUP_INTERVAL", "5m", "30m0s"),
        ("ECS_POLLING_METRICS_WAIT_DURATION", "1s", "5s"),
        ("ECS_POLLING_METRICS_WAIT_DURATION", "1m", "20s"),
        ("ECS_CGROUP_CPU_PERIOD", "1ms", "100ms"),
        ("ECS_CGROUP_CPU_PERIOD", "1s", "100ms"),
        ("ECS_NUM_IMAGES_DELETE_PER_CYCLE", "-1", "5"),
        ("ECS_TASK_PIDS_LIMIT", "5000000", "0"),
        ("ECS_RESERVED_MEMORY", "70000", "0"),
    ]

    @Test("A value outside the range gives one warning naming the key and the value used", arguments: cases)
    func clamped(key: String, written: String, used: String) throws {
        let config = load(files: file("\(key)=\(written)\n"))
        #expect(config.display(key) == used)
        let warnings = config.problems(for: key).filter { $0.severity == .warning }
        try #require(warnings.count == 1, "\(config.problems)")
        #expect(warnings[0].message.hasSuffix("using \(used)"))
        #expect(!config.hasErrors)
    }

    @Test("A value inside the range gives no warning")
    func inRange() {
        let config = load(files: file("ECS_CONTAINER_STOP_TIMEOUT=2m\n"))
        #expect(config.containerStopTimeout == .seconds(120))
        #expect(config.problems(for: "ECS_CONTAINER_STOP_TIMEOUT").isEmpty)
    }
}
