import Testing
@testable import AgentConfig

@Suite("Go durations")
struct GoDurationTests {
    static let parsed: [(String, Int64?)] = [
        ("0", 0), ("30s", 30_000_000_000), ("1h30m", 5_400_000_000_000), ("300ms", 300_000_000),
        ("1.5s", 1_500_000_000), ("2us", 2_000), ("2µs", 2_000), ("10ns", 10), ("+5m", 300_000_000_000),
        ("-1s", -1_000_000_000), (".5s", 500_000_000), ("1h0m0s", 3_600_000_000_000),
        ("1d", nil), ("30", nil), ("", nil), ("s", nil), ("1.s", 1_000_000_000), ("1 s", nil), ("ms", nil),
        ("9999999999h", nil),
    ]

    @Test("Parses what time.ParseDuration parses, and rejects what it rejects", arguments: parsed)
    func parse(text: String, nanos: Int64?) {
        #expect(GoDuration.parse(text).map(\.nanosecondsClamped) == nanos)
    }

    static let formatted: [(Int64, String)] = [
        (0, "0s"), (30_000_000_000, "30s"), (10_800_000_000_000, "3h0m0s"), (90_000_000_000, "1m30s"),
        (1_500_000_000, "1.5s"), (300_000_000, "300ms"), (1_500, "1.5µs"), (12, "12ns"), (-60_000_000_000, "-1m0s"),
    ]

    @Test("Formats as Duration.String() does", arguments: formatted)
    func format(nanos: Int64, text: String) {
        #expect(GoDuration.format(.nanoseconds(nanos)) == text)
    }
}

@Suite("Booleans, ranges and rates")
struct ScalarTests {
    @Test("Booleans accept exactly strconv.ParseBool's spellings", arguments: ["1", "t", "T", "TRUE", "true", "True"])
    func truthy(text: String) { #expect(ConfigKind.goBool(text) == true) }

    @Test("Other spellings are rejected", arguments: ["yes", "on", "tRuE", "2", "enabled"])
    func rejected(text: String) { #expect(ConfigKind.goBool(text) == nil) }

    @Test("Tri-state booleans: unset keeps the default, explicit values hold")
    func triState() {
        #expect(load().bool("ECS_ENABLE_TASK_CPU_MEM_LIMIT") == true)
        #expect(load(env: ["ECS_ENABLE_TASK_CPU_MEM_LIMIT": "false"]).bool("ECS_ENABLE_TASK_CPU_MEM_LIMIT") == false)
        #expect(load(env: ["ECS_DISABLE_METRICS": "1"]).bool("ECS_DISABLE_METRICS") == true)
    }

    @Test("Suggestions find near misses and ignore distant words")
    func suggestions() {
        #expect(Suggestions.closest(to: "ECS_LOGLEVL", in: ConfigCatalogue.byName.keys) == "ECS_LOGLEVEL")
        #expect(Suggestions.closest(to: "ECS_SOMETHING_ELSE_ENTIRELY", in: ConfigCatalogue.byName.keys) == nil)
    }
}

@Suite("Secrets")
struct SecretTests {
    static let secret = "hunter2-very-secret"

    @Test("Auth data and AWS secrets are redacted in the dump and in every problem")
    func redacted() {
        let text = """
        ECS_ENGINE_AUTH_TYPE=docker
        ECS_ENGINE_AUTH_DATA={"r.example":{"username":"u","password":"\(Self.secret)"}}
        AWS_SECRET_ACCESS_KEY=\(Self.secret)
        AWS_SESSION_TOKEN="\(Self.secret)
        """
        let config = load(files: file(text))
        let all = config.redactedDump().joined(separator: "\n") + config.problems.map(\.description).joined(separator: "\n")
        #expect(!all.contains(Self.secret))
        #expect(all.contains("ECS_ENGINE_AUTH_DATA=<redacted>"))
        #expect(config.errors(for: "AWS_SESSION_TOKEN").count == 1)
    }

    @Test("Malformed auth data is reported without its contents")
    func malformedAuth() {
        let config = load(files: file("ECS_ENGINE_AUTH_TYPE=docker\nECS_ENGINE_AUTH_DATA={\"r\":\"\(Self.secret)\"\n"))
        #expect(config.hasErrors)
        #expect(!config.problems.map(\.description).joined().contains(Self.secret))
    }
}
