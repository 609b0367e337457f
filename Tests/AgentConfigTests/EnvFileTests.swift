import Testing
@testable import AgentConfig

@Suite("ecs.config syntax")
struct EnvFileTests {
    static let acceptedLines: [(String, String, String)] = [
        ("ECS_CLUSTER=prod", "ECS_CLUSTER", "prod"),
        ("ECS_CLUSTER=\"prod\"", "ECS_CLUSTER", "prod"),
        ("ECS_CLUSTER='prod'", "ECS_CLUSTER", "prod"),
        ("  ECS_CLUSTER=prod  ", "ECS_CLUSTER", "prod"),
        ("export ECS_CLUSTER=prod", "ECS_CLUSTER", "prod"),
        ("ECS_CLUSTER = prod", "ECS_CLUSTER", "prod"),
        ("ECS_CLUSTER=\"a \\\"b\\\" c\"", "ECS_CLUSTER", "a \"b\" c"),
        ("ECS_CLUSTER='a \\n b'", "ECS_CLUSTER", "a \\n b"),
        ("ECS_CLUSTER=\"prod\" # main", "ECS_CLUSTER", "prod"),
        ("ECS_INSTANCE_ATTRIBUTES={\"a\":\"b=c\"}", "ECS_INSTANCE_ATTRIBUTES", "{\"a\":\"b=c\"}"),
        ("ECS_INSTANCE_ATTRIBUTES='{\"a\":\"b\"}'", "ECS_INSTANCE_ATTRIBUTES", "{\"a\":\"b\"}"),
        ("ECS_RESERVED_PORTS=[22, 80]", "ECS_RESERVED_PORTS", "[22, 80]"),
        ("ECS_CLUSTER=", "ECS_CLUSTER", ""),
        ("ECS_CLUSTER=a=b", "ECS_CLUSTER", "a=b"),
    ]

    @Test("Lines an operator writes are read as meant", arguments: acceptedLines)
    func accepted(line: String, key: String, value: String) {
        let parsed = EnvFile(path: "f", contents: line + "\n")
        #expect(parsed.problems.allSatisfy { $0.severity != .error }, "\(parsed.problems)")
        #expect(parsed.values[key]?.value == value)
    }

    @Test("Comments, blank lines, CRLF and a byte-order mark are handled")
    func layout() {
        let text = "\u{FEFF}# comment\r\n; also a comment\r\n\r\n   \r\nECS_CLUSTER=prod\r\n#ECS_CLUSTER=old\r\n"
        let parsed = EnvFile(path: "f", contents: text)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.entries.map(\.key) == ["ECS_CLUSTER"])
        #expect(parsed.values["ECS_CLUSTER"]?.value == "prod")
        #expect(parsed.values["ECS_CLUSTER"]?.line == 5)
    }

    @Test("A trailing backslash continues an unquoted value on the next line")
    func continuation() {
        let parsed = EnvFile(path: "f", contents: "ECS_INSTANCE_ATTRIBUTES={\"a\":\"1\",\\\n\"b\":\"2\"}\nECS_CLUSTER=x\n")
        #expect(parsed.values["ECS_INSTANCE_ATTRIBUTES"]?.value == "{\"a\":\"1\",\"b\":\"2\"}")
        #expect(parsed.values["ECS_CLUSTER"]?.line == 3)
    }

    @Test("A key set twice: the later line wins, with a warning naming both lines")
    func duplicate() {
        let parsed = EnvFile(path: "f", contents: "ECS_CLUSTER=a\nECS_CLUSTER=b\n")
        #expect(parsed.values["ECS_CLUSTER"]?.value == "b")
        #expect(parsed.problems.count == 1)
        #expect(parsed.problems[0].description.contains("line 2 replaces line 1"))
    }

    @Test("Spaces around '=' are accepted with a portability notice")
    func spacesNotice() {
        let parsed = EnvFile(path: "f", contents: "ECS_CLUSTER = prod\n")
        #expect(parsed.problems.map(\.severity) == [.notice])
    }

    static let rejectedLines: [(String, String)] = [
        ("ECS_CLUSTER", "no '='"),
        ("ECS_CLUSTER=\"prod", "unterminated double quote"),
        ("ECS_CLUSTER='prod", "unterminated single quote"),
        ("ECS_CLUSTER=\"prod\" extra", "after the closing quote"),
        ("1ECS=x", "not a valid key name"),
        ("ECS-CLUSTER=x", "not a valid key name"),
        ("=x", "not a valid key name"),
    ]

    @Test("Malformed lines are errors naming the file and line", arguments: rejectedLines)
    func rejected(line: String, reason: String) throws {
        let parsed = EnvFile(path: "/etc/ecs/ecs.config", contents: "# first\n" + line + "\n")
        let errors = parsed.problems.filter { $0.severity == .error }
        try #require(errors.count == 1)
        #expect(errors[0].description.contains("/etc/ecs/ecs.config:2"))
        #expect(errors[0].description.contains(reason))
        #expect(parsed.entries.isEmpty)
    }
}
