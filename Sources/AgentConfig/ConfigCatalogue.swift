/// Every key of ../shared/spec/config.md, with its type and the default this agent uses.
///
/// Defaults are those of an installed package: where the Go agent's ecs-init injects a value
/// into the agent container (checkpointing on, task IAM roles on, five logging drivers), that
/// value is our default, because that is what an operator of the Go agent sees. Paths follow
/// the host layout (`/var/lib/ecs/data`, `/var/log/ecs`) since we do not run in a container.
public enum ConfigCatalogue {
    static let loggingDrivers = ["json-file", "syslog", "journald", "gelf", "fluentd", "awslogs",
                                 "splunk", "logentries", "sumologic", "none", "awsfirelens"]
    static let minute = Duration.seconds(60)
    static let hour = Duration.seconds(3600)
    static let containerNote = "configures the Go agent's own container under ecs-init; this agent runs as a host service"

    public static let all: [ConfigKeySpec] = identity + attributes + state + engine + images + metrics + logging + networking + ecsInit + credentials

    static let identity: [ConfigKeySpec] = [
        .init("ECS_CLUSTER", json: "Cluster", .string(trim: true), default: .string("default"), "cluster name or ARN to register into"),
        .init("AWS_DEFAULT_REGION", json: "AWSRegion", .string(trim: true), "region of every AWS call; read from instance metadata when unset"),
        .init("ECS_BACKEND_HOST", json: "APIEndpoint", .string(trim: true), "ECS API endpoint override (https://... or http://... for ecs-local)"),
        .init("DOCKER_HOST", json: "DockerEndpoint", .dockerEndpoint, default: .string("unix:///var/run/docker.sock"), "Docker Engine endpoint"),
        .init("ECS_EXTERNAL", json: "External", .triBool, default: .bool(false), "ECS Anywhere mode: no instance metadata, region required"),
        .init("ECS_ALTERNATE_CREDENTIAL_PROFILE", .string(trim: true), default: .string("default"), scope: .environmentOnly, "shared-credentials profile in external mode"),
        .init("ECS_INSTANCE_IP_COMPATIBILITY", json: "InstanceIPCompatibility", .enumeration(["ipv4", "ipv6", "auto"], caseInsensitive: true), default: .string("auto"), "force IPv4-only or IPv6-only behaviour"),
        .init("HTTP_PROXY", .string(trim: true), scope: .environmentOnly, "proxy for http:// calls"),
        .init("HTTPS_PROXY", .string(trim: true), scope: .environmentOnly, "proxy for https:// calls"),
        .init("NO_PROXY", .string(trim: true), scope: .environmentOnly, "hosts reached without the proxy; should include 169.254.169.254,169.254.170.2,/var/run/docker.sock"),
        .init("ECS_AGENT_CONFIG_FILE_PATH", .path, default: .string("/etc/ecs/ecs.config.json"), scope: .environmentOnly, "the JSON config file"),
    ]

    static let attributes: [ConfigKeySpec] = [
        .init("ECS_RESERVED_PORTS", json: "ReservedPorts", .portList, default: .ports([22, 2375, 2376, 51678, 51679]), "TCP ports registered as in use"),
        .init("ECS_RESERVED_PORTS_UDP", json: "ReservedPortsUDP", .portList, default: .ports([]), "UDP ports registered as in use"),
        .init("ECS_RESERVED_MEMORY", json: "ReservedMemory", .integer(min: 0, max: 65535, outOfRange: .useDefault), default: .int(0), "MiB subtracted from host memory at registration"),
        .init("ECS_INSTANCE_ATTRIBUTES", json: "InstanceAttributes", .stringMap, default: .map([:]), "custom attributes sent at registration"),
        .init("ECS_CONTAINER_INSTANCE_TAGS", json: "ContainerInstanceTags", .stringMap, default: .map([:]), "tags sent at registration"),
        .init("ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM", json: "ContainerInstancePropagateTagsFrom", .enumeration(["none", "ec2_instance"], caseInsensitive: false), default: .string("none"), "also register the EC2 instance's tags"),
        .init("ECS_DISABLE_PRIVILEGED", json: "PrivilegedDisabled", .triBool, default: .bool(false), "do not advertise privileged containers"),
        .init("ECS_SELINUX_CAPABLE", json: "SELinuxCapable", .triBool, default: .bool(false), "advertise SELinux"),
        .init("ECS_APPARMOR_CAPABLE", json: "AppArmorCapable", .triBool, default: .bool(false), "advertise AppArmor"),
        .init("ECS_AVAILABLE_LOGGING_DRIVERS", json: "AvailableLoggingDrivers", .stringList(allowed: loggingDrivers), default: .strings(["json-file", "syslog", "awslogs", "fluentd", "none"]), "log drivers advertised to the scheduler"),
        .init("ECS_DISABLE_DOCKER_HEALTH_CHECK", json: "DisableDockerHealthCheck", .triBool, default: .bool(false), "do not advertise container health checks"),
        .init("ECS_ENABLE_TASK_IAM_ROLE", json: "TaskIAMRoleEnabled", .triBool, default: .bool(true), "advertise task IAM roles (bridge)"),
        .init("ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST", json: "TaskIAMRoleEnabledForNetworkHost", .plainBool, default: .bool(true), "advertise task IAM roles in host network mode"),
        .init("ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE", json: "OverrideAWSLogsExecutionRole", .triBool, default: .bool(true), "awslogs authenticates with the execution role"),
        .init("ECS_ENABLE_GPU_SUPPORT", json: "GPUSupportEnabled", .plainBool, default: .bool(false), "NVIDIA GPU discovery and assignment"),
        .init("ECS_NVIDIA_RUNTIME", json: "NvidiaRuntime", .string(trim: true), default: .string("nvidia"), "Docker runtime of GPU containers"),
        .init("ECS_ENABLE_INF_SUPPORT", json: "InferentiaSupportEnabled", .plainBool, default: .bool(false), "Neuron runtime for Inferentia"),
        .init("ECS_EBSTA_SUPPORTED", json: "EBSTASupportEnabled", .plainBool, default: .bool(false), "advertise EBS task attach (not supported by this agent)"),
        .init("ECS_GMSA_SUPPORTED", json: "GMSACapable", .plainBool, default: .bool(false), "gMSA on Linux"),
        .init("ECS_DOMAIN_JOINED_LINUX_INSTANCE", .plainBool, default: .bool(false), scope: .environmentOnly, "host joined to an Active Directory domain (gMSA)"),
        .init("CREDENTIALS_FETCHER_HOST", .string(trim: true), default: .string("unix:///var/credentials-fetcher/socket/credentials_fetcher.sock"), scope: .environmentOnly, "credentials-fetcher socket"),
        .init("CREDENTIALS_FETCHER_HOST_DIR", .path, scope: .environmentOnly, "directory of the credentials-fetcher socket"),
        .init("CREDENTIALS_FETCHER_SECRET_NAME_FOR_DOMAINLESS_GMSA", .string(trim: true), scope: .environmentOnly, "secret for domainless gMSA"),
        .init("ECS_FSX_WINDOWS_FILE_SERVER_SUPPORTED", json: "FSxWindowsFileServerCapable", .plainBool, default: .bool(false), scope: .noEffect("FSx for Windows File Server is Windows only"), "FSx for Windows File Server"),
        .init("ECS_VOLUME_PLUGIN_CAPABILITIES", json: "VolumePluginCapabilities", .stringList(allowed: nil), default: .strings([]), "volume plugin capabilities advertised"),
        .init("ECS_DETAILED_OS_FAMILY", .string(trim: true), scope: .environmentOnly, "reported OS family; from /etc/os-release when unset"),
        .init("ECS_WARM_POOLS_CHECK", json: "WarmPoolsSupport", .triBool, default: .bool(false), "wait for the warm-pool InService state before registering"),
        .init("ECS_ENABLE_SPOT_INSTANCE_DRAINING", json: "SpotInstanceDrainingEnabled", .triBool, default: .bool(false), "drain on a spot interruption notice"),
    ]

    static let state: [ConfigKeySpec] = [
        .init("ECS_DATADIR", json: "DataDir", .path, default: .string("/var/lib/ecs/data"), "where the agent keeps its state"),
        .init("ECS_CHECKPOINT", json: "Checkpoint", .triBool, default: .bool(true), "persist state across restarts"),
        .init("ECS_HOST_DATA_DIR", json: "DataDirOnHost", .path, default: .string("/var/lib/ecs"), "host path of the data dir's parent"),
        .init("ECS_ENABLE_CONTAINER_METADATA", json: "ContainerMetadataEnabled", .triBool, default: .bool(false), "write ecs-container-metadata.json per container"),
        .init("ECS_UPDATES_ENABLED", json: "UpdatesEnabled", .triBool, default: .bool(false), scope: .noEffect("this agent is updated with its .deb, not by ACS update messages"), "accept ACS agent updates"),
        .init("ECS_UPDATE_DOWNLOAD_DIR", json: "UpdateDownloadDir", .path, scope: .noEffect("this agent is updated with its .deb"), "where updates are written"),
    ]

    static let engine: [ConfigKeySpec] = [
        .init("ECS_CONTAINER_STOP_TIMEOUT", json: "DockerStopTimeout", .duration(min: .seconds(1), max: nil, outOfRange: .clamp), default: .duration(.seconds(30)), "grace between SIGTERM and SIGKILL"),
        .init("ECS_CONTAINER_START_TIMEOUT", json: "ContainerStartTimeout", .duration(min: .seconds(45), max: nil, outOfRange: .clamp), default: .duration(.seconds(180)), "timeout of a Docker start call"),
        .init("ECS_CONTAINER_CREATE_TIMEOUT", json: "ContainerCreateTimeout", .duration(min: minute, max: nil, outOfRange: .clamp), default: .duration(.seconds(240)), "timeout of a Docker create call"),
        .init("ECS_MANIFEST_PULL_TIMEOUT", json: "ManifestPullTimeout", .duration(min: .seconds(30), max: nil, outOfRange: .clamp), default: .duration(minute), "timeout of a manifest (digest) lookup"),
        .init("ECS_IMAGE_PULL_TIMEOUT", json: "ImagePullTimeout", .duration(min: nil, max: nil, outOfRange: .clamp), default: .duration(hour * 2), "overall image pull timeout"),
        .init("ECS_IMAGE_PULL_INACTIVITY_TIMEOUT", json: "ImagePullInactivityTimeout", .duration(min: minute, max: nil, outOfRange: .clamp), default: .duration(minute), "abort a pull silent this long"),
        .init("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION", json: "TaskCleanupWaitDuration", .duration(min: .seconds(1), max: nil, outOfRange: .useDefault), default: .duration(hour * 3), "wait after STOPPED before removing a task's containers"),
        .init("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION_JITTER", json: "TaskCleanupWaitDurationJitter", .duration(min: nil, max: nil, outOfRange: .clamp), default: .duration(.zero), "random extra cleanup wait"),
        .init("ECS_PULL_DEPENDENT_CONTAINERS_UPFRONT", json: "DependentContainersPullUpfront", .triBool, default: .bool(false), "pull images of dependent containers early"),
        .init("ECS_ENABLE_TASK_CPU_MEM_LIMIT", json: "TaskCPUMemLimit", .triBool, default: .bool(true), "per-task cgroups honouring task cpu/memory"),
        .init("ECS_CGROUP_PATH", json: "CgroupPath", .path, default: .string("/sys/fs/cgroup"), "cgroup mount path"),
        .init("ECS_CGROUP_CPU_PERIOD", json: "CgroupCPUPeriod", .duration(min: .milliseconds(8), max: .milliseconds(100), outOfRange: .useDefault), default: .duration(.milliseconds(100)), "CFS period of task CPU quotas"),
        .init("ECS_TASK_PIDS_LIMIT", json: "TaskPidsLimit", .integer(min: 0, max: 4_194_304, outOfRange: .useDefault), default: .int(0), "pids.max of a task cgroup (0: unlimited)"),
        .init("ECS_PROPAGATE_TASK_MEMORY_LIMIT_CGROUPV2", json: "PropagateTaskMemoryLimitCgroupV2", .triBool, default: .bool(false), "give containers without a hard limit the task memory limit (cgroup v2)"),
        .init("ECS_DYNAMIC_HOST_PORT_RANGE", json: "DynamicHostPortRange", .portRange, "range of host ports the agent assigns; the kernel's ephemeral range when unset"),
        .init("ECS_EXCLUDE_IPV6_PORTBINDING", json: "ShouldExcludeIPv6PortBinding", .triBool, default: .bool(true), "leave :: bindings out of networkBindings"),
        .init("ECS_SHARED_VOLUME_MATCH_FULL_CONFIG", json: "SharedVolumeMatchFullConfig", .triBool, default: .bool(false), "compare labels and options of pre-existing shared volumes"),
        .init("ECS_ENABLE_FIRELENS_ASYNC", json: "FirelensAsyncEnabled", .triBool, default: .bool(true), "fluentd-async for firelens"),
    ]

    static let images: [ConfigKeySpec] = [
        .init("ECS_IMAGE_PULL_BEHAVIOR", json: "ImagePullBehavior", .enumeration(["default", "always", "once", "prefer-cached"], caseInsensitive: false), default: .string("default"), "when images are pulled"),
        .init("ECS_DISABLE_IMAGE_CLEANUP", json: "ImageCleanupDisabled", .triBool, default: .bool(false), "disable periodic image cleanup"),
        .init("ECS_IMAGE_CLEANUP_INTERVAL", json: "ImageCleanupInterval", .duration(min: .seconds(600), max: nil, outOfRange: .useDefault), default: .duration(.seconds(1800)), "period of image cleanup"),
        .init("ECS_IMAGE_MINIMUM_CLEANUP_AGE", json: "MinimumImageDeletionAge", .duration(min: nil, max: nil, outOfRange: .clamp), default: .duration(hour), "minimum age of a removable image"),
        .init("ECS_NUM_IMAGES_DELETE_PER_CYCLE", json: "NumImagesToDeletePerCycle", .integer(min: 1, max: 1_000_000, outOfRange: .useDefault), default: .int(5), "images removed per cycle"),
        .init("ECS_ENABLE_UNTRACKED_IMAGE_CLEANUP", json: "DeleteNonECSImagesEnabled", .triBool, default: .bool(false), "also remove non-ECS images and exited containers"),
        .init("NON_ECS_IMAGE_MINIMUM_CLEANUP_AGE", json: "NonECSMinimumImageDeletionAge", .duration(min: nil, max: nil, outOfRange: .clamp), default: .duration(hour), "minimum age of a removable non-ECS image"),
        .init("NONECS_NUM_CONTAINERS_DELETE_PER_CYCLE", json: "NumNonECSContainersToDeletePerCycle", .integer(min: 0, max: 1_000_000, outOfRange: .useDefault), default: .int(5), "non-ECS containers removed per cycle"),
        .init("ECS_EXCLUDE_UNTRACKED_IMAGE", json: "ImageCleanupExclusionList", .commaList, default: .strings([]), "images never removed"),
        .init("ECS_ENGINE_AUTH_TYPE", json: "EngineAuthType", .enumeration(["docker", "dockercfg"], caseInsensitive: false), "format of ECS_ENGINE_AUTH_DATA"),
        .init("ECS_ENGINE_AUTH_DATA", json: "EngineAuthData", .jsonObject, secret: true, "private registry credentials"),
    ]

    static let metrics: [ConfigKeySpec] = [
        .init("ECS_DISABLE_METRICS", json: "DisableMetrics", .triBool, default: .bool(false), "stop sending utilization metrics"),
        .init("ECS_POLL_METRICS", json: "PollMetrics", .triBool, default: .bool(false), "poll Docker stats instead of streaming"),
        .init("ECS_POLLING_METRICS_WAIT_DURATION", json: "PollingMetricsWaitDuration", .duration(min: .seconds(5), max: .seconds(20), outOfRange: .clamp), default: .duration(.seconds(10)), "stats poll interval"),
        .init("ECS_ENABLE_RUNTIME_STATS", json: "EnableRuntimeStats", .triBool, default: .bool(false), "runtime statistics of the agent"),
        .init("ECS_ENABLE_PROMETHEUS_METRICS", .plainBool, default: .bool(false), scope: .environmentOnly, "Prometheus metrics on port 51680"),
        .init("ECS_TASK_METADATA_RPS_LIMIT", .rateLimit, default: .rateLimit(.init(steady: 40, burst: 60)), "throttle of the task metadata, credentials and agent API endpoints"),
        .init("ECS_DISABLE_TASK_METADATA_AZ", json: "TaskMetadataAZDisabled", .plainBool, default: .bool(false), "omit the availability zone from task metadata"),
        .init("ECS_AGENT_HEALTHCHECK_HOST", .string(trim: true), default: .string("localhost"), scope: .environmentOnly, "host queried by the health check"),
        .init("ECS_AUDIT_LOGFILE", json: "CredentialsAuditLogFile", .path, default: .string("/var/log/ecs/audit.log"), "credential-vend audit log"),
        .init("ECS_AUDIT_LOGFILE_DISABLED", json: "CredentialsAuditLogDisabled", .plainBool, default: .bool(false), "disable the audit log"),
    ]

    static let logging: [ConfigKeySpec] = [
        .init("ECS_LOGLEVEL", .enumeration(["debug", "info", "warn", "error", "crit", "none"], caseInsensitive: true), default: .string("info"), scope: .environmentOnly, "level of the agent's own log"),
        .init("ECS_LOGLEVEL_ON_INSTANCE", .enumeration(["debug", "info", "warn", "error", "crit", "none"], caseInsensitive: true), scope: .environmentOnly, "level of the on-instance log file; ECS_LOGLEVEL when unset"),
        .init("ECS_LOGFILE", .path, scope: .environmentOnly, "also write the agent's log to this file"),
        .init("ECS_LOG_ROLLOVER_TYPE", .enumeration(["size", "hourly", "none"], caseInsensitive: false), default: .string("size"), scope: .environmentOnly, "rotation of ECS_LOGFILE"),
        .init("ECS_LOG_MAX_FILE_SIZE_MB", .decimal(min: 0.001), default: .double(5), scope: .environmentOnly, "size at which ECS_LOGFILE rotates"),
        .init("ECS_LOG_MAX_ROLL_COUNT", .integer(min: 1, max: 10_000, outOfRange: .clamp), default: .int(24), scope: .environmentOnly, "rotated files kept"),
        .init("ECS_LOG_OUTPUT_FORMAT", .enumeration(["logfmt", "json"], caseInsensitive: false), default: .string("logfmt"), scope: .environmentOnly, "format of ECS_LOGFILE"),
    ]

    static let networking: [ConfigKeySpec] = [
        .init("ECS_ENABLE_TASK_ENI", json: "TaskENIEnabled", .triBool, default: .bool(false), "awsvpc network mode (not supported by this agent)"),
        .init("ECS_ENABLE_HIGH_DENSITY_ENI", json: "TaskENITrunkingEnabled", .triBool, default: .bool(true), "ENI trunking"),
        .init("ECS_CNI_PLUGINS_PATH", json: "CNIPluginsPath", .path, default: .string("/amazon-ecs-cni-plugins"), "CNI plugins"),
        .init("ECS_AWSVPC_BLOCK_IMDS", json: "AWSVPCBlockInstanceMetdata", .triBool, default: .bool(false), "block instance metadata in awsvpc tasks"),
        .init("ECS_AWSVPC_ADDITIONAL_LOCAL_ROUTES", json: "AWSVPCAdditionalLocalRoutes", .cidrList, default: .strings([]), "extra routes in awsvpc tasks"),
        .init("ECS_PAUSE_LABELS", .stringMap, default: .map([:]), scope: .environmentOnly, "labels of pause containers"),
    ]

    static let ecsInit: [ConfigKeySpec] = [
        .init("ECS_SKIP_LOCALHOST_TRAFFIC_FILTER", .plainBool, default: .bool(false), scope: .environmentOnly, "do not drop non-local traffic to 127.0.0.0/8"),
        .init("ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS", .plainBool, default: .bool(false), scope: .environmentOnly, "allow port 51678 from other hosts"),
        .init("ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME", .string(trim: true), scope: .noEffect("not read by the Go agent 1.105.1 either: every non-loopback interface is filtered"), "interface of the introspection filter"),
        .init("ECS_AGENT_LABELS", .stringMap, scope: .noEffect(containerNote), "labels of the agent container"),
        .init("ECS_AGENT_APPARMOR_PROFILE", .string(trim: true), scope: .noEffect(containerNote), "AppArmor profile of the agent container"),
        .init("ECS_AGENT_PID_NAMESPACE_HOST", .plainBool, scope: .noEffect(containerNote), "agent container in the host PID namespace"),
        .init("ECS_AGENT_RUN_PRIVILEGED", .plainBool, scope: .noEffect(containerNote), "privileged agent container"),
        .init("ECS_INIT_DOCKER_LOG_FILE_SIZE", .string(trim: true), scope: .noEffect(containerNote), "json-file max-size of the agent container"),
        .init("ECS_INIT_DOCKER_LOG_FILE_NUM", .string(trim: true), scope: .noEffect(containerNote), "json-file max-file of the agent container"),
        .init("ECS_LOG_DRIVER", .string(trim: true), scope: .noEffect("the agent's own log goes to journald"), "log driver of the agent container"),
        .init("ECS_LOG_OPTS", .jsonObject, scope: .noEffect("the agent's own log goes to journald"), "log options of the agent container"),
        // This agent's own: the reference's listeners are fixed. Tests run several agents on one host.
        .init("ECS_INTROSPECTION_LISTEN_ADDRESS", .string(trim: true), default: .string("0.0.0.0:51678"), scope: .environmentOnly,
              "this agent only: host:port of the introspection API"),
        .init("ECS_HOST_NETWORK_RULES", .plainBool, default: .bool(true), scope: .environmentOnly,
              "this agent only: set route_localnet and install the 169.254.170.2 iptables rules at start (ecs-init's job for the reference agent)"),
        .init("ECS_SELF_SANDBOX", .plainBool, default: .bool(true), scope: .environmentOnly,
              "this agent only: install the agent's own seccomp filter at start (calls such as ptrace, kexec, module loading, mount and swapon fail with EPERM)"),
        .init("ECS_TASK_METADATA_LISTEN_ADDRESS", .string(trim: true), default: .string("127.0.0.1:51679"), scope: .environmentOnly,
              "this agent only: host:port of the credentials, task metadata and agent API server (169.254.170.2:80 is sent there)"),
        .init("ECS_AWSLOGS_SHIPPING", .enumeration(["agent", "docker"], caseInsensitive: true), default: .string("agent"), scope: .environmentOnly,
              "this agent only: who ships awslogs containers' output: the agent (Docker keeps it in local files until shipped) or Docker's awslogs driver"),
        .init("ECS_AWSLOGS_LOCAL_MAX_SIZE", .string(trim: true), default: .string("20m"), scope: .environmentOnly,
              "this agent only: max-size of the local log files Docker keeps for agent-shipped containers"),
        .init("ECS_AWSLOGS_LOCAL_MAX_FILE", .integer(min: 1, max: 100, outOfRange: .clamp), default: .int(5), scope: .environmentOnly,
              "this agent only: max-file of the local log files Docker keeps for agent-shipped containers"),
        .init("ECS_AWSLOGS_PUBLISH_INTERVAL", .duration(min: .milliseconds(100), max: .seconds(60), outOfRange: .clamp), default: .duration(.seconds(5)), scope: .environmentOnly,
              "this agent only: a batch that is not full is sent this long after its first line"),
    ]

    static let credentials: [ConfigKeySpec] = [
        .init("AWS_ACCESS_KEY_ID", .string(trim: true), scope: .environmentOnly, "static credentials of the agent"),
        .init("AWS_SECRET_ACCESS_KEY", .string(trim: true), secret: true, scope: .environmentOnly, "static credentials of the agent"),
        .init("AWS_SESSION_TOKEN", .string(trim: true), secret: true, scope: .environmentOnly, "static credentials of the agent"),
    ]

    /// The catalogue by environment name.
    public static let byName: [String: ConfigKeySpec] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The catalogue by JSON-file field (Go field name).
    public static let byJSONField: [String: ConfigKeySpec] = Dictionary(
        uniqueKeysWithValues: all.compactMap { spec in spec.jsonField.map { ($0, spec) } })

    /// JSON-file fields that have no environment name; accepted and kept verbatim.
    public static let jsonOnlyFields: Set<String> = [
        "PauseContainerImageName", "PauseContainerTag", "PauseContainerTarballPath",
        "OverrideAWSVPCLocalIPv4Address", "ENIPauseContainerCleanupDelaySeconds", "InstanceENIDNSServerList",
        "NoIID", "CSIDriverSocketPath", "NodeStageTimeout", "NodeUnstageTimeout", "RuntimeStatsLogFile",
        "TaskMetadataSteadyStateRate", "TaskMetadataBurstRate", "ClusterArn", "GMSADomainlessCapable",
    ]

    /// Whether a key's value must never be shown.
    public static func isSecret(_ key: String) -> Bool {
        if let spec = byName[key] { return spec.secret }
        let upper = key.uppercased()
        return ["SECRET", "PASSWORD", "TOKEN", "AUTH_DATA", "PRIVATE_KEY"].contains { upper.contains($0) }
    }
}
