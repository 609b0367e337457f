@testable import AgentConfig

/// Builds sources from in-memory files: tests never read /etc or the process environment.
func load(
    env: [String: String] = [:], files: [(String, String)] = [], json: String? = nil,
    jsonPath: String = "/etc/ecs/ecs.config.json", ephemeral: PortRange? = nil
) -> ResolvedConfig {
    var contents: [String: String] = [:]
    for (path, text) in files { contents[path] = text }
    if let json { contents[jsonPath] = json }
    let snapshot = contents
    return ConfigLoader.load(ConfigSources(
        environment: env, envFilePaths: files.map(\.0), ephemeralPortRange: ephemeral,
        readFile: { path in snapshot[path].map(FileRead.contents) ?? .missing }))
}

func file(_ text: String) -> [(String, String)] { [("/etc/ecs/ecs.config", text)] }

extension ResolvedConfig {
    func problems(for key: String) -> [ConfigProblem] { problems.filter { $0.key == key } }
    func errors(for key: String) -> [ConfigProblem] { problems(for: key).filter { $0.severity == .error } }
    func display(_ key: String) -> String? { values[key]?.display }
}
