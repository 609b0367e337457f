/// Each file is something an operator could plausibly write by mistake; each must fail
/// check-config with a line that names the key (or the line) at fault.
public enum MalformedConfigs {
    public static let all: [(name: String, contents: String, key: String)] = [
    ("duration in days", "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=1d\n", "ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION"),
    ("duration without a unit", "ECS_CONTAINER_STOP_TIMEOUT=30\n", "ECS_CONTAINER_STOP_TIMEOUT"),
    ("negative duration", "ECS_IMAGE_PULL_TIMEOUT=-5m\n", "ECS_IMAGE_PULL_TIMEOUT"),
    ("boolean as a word", "ECS_CHECKPOINT=yes\n", "ECS_CHECKPOINT"),
    ("ports not JSON", "ECS_RESERVED_PORTS=22,80\n", "ECS_RESERVED_PORTS"),
    ("port out of range", "ECS_RESERVED_PORTS=[22,70000]\n", "ECS_RESERVED_PORTS"),
    ("attributes not JSON", "ECS_INSTANCE_ATTRIBUTES=stack=prod\n", "ECS_INSTANCE_ATTRIBUTES"),
    ("attribute value not a string", "ECS_INSTANCE_ATTRIBUTES={\"n\":1}\n", "ECS_INSTANCE_ATTRIBUTES"),
    ("tags as an array", "ECS_CONTAINER_INSTANCE_TAGS=[\"a\"]\n", "ECS_CONTAINER_INSTANCE_TAGS"),
    ("unknown logging driver", "ECS_AVAILABLE_LOGGING_DRIVERS=[\"json-file\",\"elk\"]\n", "ECS_AVAILABLE_LOGGING_DRIVERS"),
    ("systemd-stripped quotes", "ECS_AVAILABLE_LOGGING_DRIVERS=[json-file,awslogs]\n", "ECS_AVAILABLE_LOGGING_DRIVERS"),
    ("pull behaviour typo", "ECS_IMAGE_PULL_BEHAVIOR=prefer_cached\n", "ECS_IMAGE_PULL_BEHAVIOR"),
    ("rate limit with one number", "ECS_TASK_METADATA_RPS_LIMIT=100\n", "ECS_TASK_METADATA_RPS_LIMIT"),
    ("reversed port range", "ECS_DYNAMIC_HOST_PORT_RANGE=60000-50000\n", "ECS_DYNAMIC_HOST_PORT_RANGE"),
    ("log level typo", "ECS_LOGLEVEL=verbose\n", "ECS_LOGLEVEL"),
    ("docker host over http", "DOCKER_HOST=http://127.0.0.1:2375\n", "DOCKER_HOST"),
    ("relative data dir", "ECS_DATADIR=data\n", "ECS_DATADIR"),
    ("unterminated quote", "ECS_CLUSTER=\"prod\n", "ECS_CLUSTER"),
    ("line without =", "ECS_CLUSTER prod\n", "ECS_CLUSTER prod"),
    ("route not a CIDR", "ECS_AWSVPC_ADDITIONAL_LOCAL_ROUTES=[\"10.0.0.1\"]\n", "ECS_AWSVPC_ADDITIONAL_LOCAL_ROUTES"),
    ("auth data without password", "ECS_ENGINE_AUTH_TYPE=docker\nECS_ENGINE_AUTH_DATA={\"r.example\":{\"username\":\"u\"}}\n", "ECS_ENGINE_AUTH_DATA"),
    ("integer with a unit", "ECS_RESERVED_MEMORY=256MB\n", "ECS_RESERVED_MEMORY"),
]
}
