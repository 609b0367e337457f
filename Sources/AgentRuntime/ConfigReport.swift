public import AgentConfig

/// What `ecs-agent check-config` prints: every problem first (each naming its key), then the
/// effective configuration with secrets redacted and the source of each value.
public enum ConfigReport {
    public struct Output: Sendable {
        public var text: String
        public var exitCode: Int32
    }

    public static func render(_ config: ResolvedConfig, strict: Bool = false, showValues: Bool = true) -> Output {
        var lines: [String] = []
        let errors = config.problems.filter { $0.severity == .error }.count
        let warnings = config.problems.filter { $0.severity == .warning }.count
        if config.problems.isEmpty {
            lines.append("no problems found")
        } else {
            lines.append("problems (\(errors) errors, \(warnings) warnings):")
            for problem in config.problems { lines.append("  " + problem.description) }
        }
        if showValues {
            lines.append("")
            lines.append("effective configuration (JSON file: \(config.jsonFilePath)):")
            for line in config.redactedDump() { lines.append("  " + line) }
        }
        let failed = errors > 0 || (strict && warnings > 0)
        lines.append("")
        lines.append(failed ? "configuration is NOT valid" : "configuration is valid")
        return Output(text: lines.joined(separator: "\n") + "\n", exitCode: failed ? 1 : 0)
    }
}
