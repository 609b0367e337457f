import Testing
@testable import AgentConfig

@Suite("Defaults")
struct DefaultsTests {
    static let expected: [(String, String)] = [
        ("ECS_CLUSTER", "default"),
        ("DOCKER_HOST", "unix:///var/run/docker.sock"),
        ("ECS_RESERVED_PORTS", "[22,2375,2376,51678,51679]"),
        ("ECS_RESERVED_PORTS_UDP", "[]"),
        ("ECS_RESERVED_MEMORY", "0"),
        ("ECS_AVAILABLE_LOGGING_DRIVERS", "[\"json-file\",\"syslog\",\"awslogs\",\"fluentd\",\"none\"]"),
        ("ECS_DATADIR", "/var/lib/ecs/data"),
        ("ECS_CHECKPOINT", "true"),
        ("ECS_ENABLE_TASK_IAM_ROLE", "true"),
        ("ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST", "true"),
        ("ECS_CONTAINER_STOP_TIMEOUT", "30s"),
        ("ECS_CONTAINER_START_TIMEOUT", "3m0s"),
        ("ECS_CONTAINER_CREATE_TIMEOUT", "4m0s"),
        ("ECS_MANIFEST_PULL_TIMEOUT", "1m0s"),
        ("ECS_IMAGE_PULL_TIMEOUT", "2h0m0s"),
        ("ECS_IMAGE_PULL_INACTIVITY_TIMEOUT", "1m0s"),
        ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", "3h0m0s"),
        ("ECS_IMAGE_CLEANUP_INTERVAL", "30m0s"),
        ("ECS_IMAGE_MINIMUM_CLEANUP_AGE", "1h0m0s"),
        ("ECS_NUM_IMAGES_DELETE_PER_CYCLE", "5"),
        ("ECS_IMAGE_PULL_BEHAVIOR", "default"),
        ("ECS_POLLING_METRICS_WAIT_DURATION", "10s"),
        ("ECS_CGROUP_CPU_PERIOD", "100ms"),
        ("ECS_TASK_PIDS_LIMIT", "0"),
        ("ECS_TASK_METADATA_RPS_LIMIT", "40,60"),
        ("ECS_LOGLEVEL", "info"),
        ("ECS_LOGLEVEL_ON_INSTANCE", "info"),
        ("ECS_EXCLUDE_IPV6_PORTBINDING", "true"),
        ("ECS_ENABLE_TASK_CPU_MEM_LIMIT", "true"),
        ("ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM", "none"),
        ("ECS_INSTANCE_IP_COMPATIBILITY", "auto"),
        ("ECS_AGENT_CONFIG_FILE_PATH", "/etc/ecs/ecs.config.json"),
    ]

    @Test("An empty configuration has the documented default of each key", arguments: expected)
    func defaultValue(key: String, value: String) {
        let config = load()
        #expect(config.display(key) == value)
        #expect(config.origins[key] == nil)
    }

    @Test("The dynamic host port range defaults to the kernel's ephemeral range, else 49153-65535")
    func dynamicPortRange() {
        #expect(load(ephemeral: .init(start: 32768, end: 60999)).display("ECS_DYNAMIC_HOST_PORT_RANGE") == "32768-60999")
        #expect(load().display("ECS_DYNAMIC_HOST_PORT_RANGE") == "49153-65535")
    }

    @Test("An empty configuration has no errors and no warnings, only the region notice")
    func quietByDefault() {
        let config = load()
        #expect(config.problems.map(\.key) == ["AWS_DEFAULT_REGION"])
        #expect(config.problems.first?.severity == .notice)
    }

    @Test("ECS_LOGLEVEL_ON_INSTANCE follows ECS_LOGLEVEL when unset")
    func onInstanceLevel() {
        #expect(load(env: ["ECS_LOGLEVEL": "DEBUG"]).display("ECS_LOGLEVEL_ON_INSTANCE") == "debug")
    }

    @Test("Prometheus metrics reserve port 51680")
    func prometheusReservesPort() {
        #expect(load(env: ["ECS_ENABLE_PROMETHEUS_METRICS": "true"]).ports("ECS_RESERVED_PORTS").contains(51680))
    }
}
