import Testing
@testable import AgentConfig

/// Each file is something an operator could plausibly write by mistake; each must fail
/// check-config with a line that names the key (or the line) at fault.
let malformedFiles: [(name: String, contents: String, key: String)] = [
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

@Suite("Malformed ecs.config files")
struct MalformedFileTests {
    @Test("There are at least 15 malformed files")
    func enough() { #expect(malformedFiles.count >= 15) }

    @Test("Each malformed file is an error naming the key", arguments: malformedFiles.map { [$0.name, $0.contents, $0.key] })
    func rejected(fields: [String]) throws {
        let (contents, key) = (fields[1], fields[2])
        let config = load(files: file(contents))
        #expect(config.hasErrors, "\(fields[0]): \(config.problems)")
        #expect(config.errors.contains { $0.key == key }, "\(fields[0]): \(config.problems)")
    }
}

@Suite("Random input never crashes the parser")
struct FuzzTests {
    /// SplitMix64: a deterministic generator so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("Random bytes as an ecs.config file and as the JSON file", arguments: 0..<8)
    func randomBytes(seed: Int) {
        var rng = Generator(state: UInt64(seed) &* 7919)
        for _ in 0..<250 {
            let length = Int.random(in: 0..<512, using: &rng)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = String(decoding: bytes, as: UTF8.self)
            let config = load(files: file(text), json: text)
            // Whatever it said, every key still has a well-formed resolved value.
            #expect(config.values["ECS_CLUSTER"] != nil)
            _ = config.redactedDump()
        }
    }

    @Test("Mutations of a valid file", arguments: 0..<4)
    func mutations(seed: Int) {
        let valid = Array("ECS_CLUSTER=\"prod\"\nECS_RESERVED_PORTS=[22,80]\nECS_INSTANCE_ATTRIBUTES={\"a\":\"b\"}\nECS_CONTAINER_STOP_TIMEOUT=1m30s\nECS_ENGINE_AUTH_TYPE=docker\nECS_ENGINE_AUTH_DATA={\"r\":{\"username\":\"u\",\"password\":\"p\"}}\n".utf8)
        let alphabet = Array("=\"'\\\n#{}[],:-ms0123456789 \t".utf8)
        var rng = Generator(state: UInt64(seed) &+ 1)
        for _ in 0..<500 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: i)
                default: if bytes.count > 1 { bytes.remove(at: i) }
                }
            }
            let config = load(files: file(String(decoding: bytes, as: UTF8.self)))
            #expect(!config.redactedDump().joined().contains("\"p\""))
        }
    }
}
