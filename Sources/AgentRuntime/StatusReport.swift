public import AgentConfig
import DockerEngine
import ECSModel
public import Logging

/// `ecs-agent status`: what the running agent says about itself (introspection API: cluster,
/// instance, ACS/TCS sessions, tasks) and what Docker says about each task container, as one
/// table. Read-only; exit 1 when the agent does not answer.
public struct StatusReport: Sendable {
    let config: ResolvedConfig
    let logger: Logger

    public init(config: ResolvedConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func render() async -> (text: String, exitCode: Int32) {
        let base = Doctor(config: config, logger: logger).introspectionBase
        guard let (status, body, _) = await Doctor.get(base + "/v1/metadata", timeout: .seconds(5)), status == 200,
              let metadata = JSONValue.parse(body) else {
            return ("the agent does not answer on \(base) (is it running? systemctl status ecs-agent)\n", 1)
        }
        var text = ""
        func line(_ key: String, _ value: String) { text += key.padding(toLength: 12) + value + "\n" }
        line("cluster", metadata["Cluster"]?.stringValue ?? "?")
        line("instance", metadata["ContainerInstanceArn"]?.stringValue ?? "not registered")
        line("version", metadata["Version"]?.stringValue ?? "?")
        if let (code, text, _) = await Doctor.get(base + "/v1/connections", timeout: .seconds(5)), code == 200, let c = JSONValue.parse(text) {
            let acs = c["ACS"]
            if acs?["Connected"]?.boolValue == true {
                line("ACS", "connected since \(acs?["ConnectedSince"]?.stringValue ?? "?") (connection \(acs?["Connections"]?.intValue ?? 0))")
            } else {
                line("ACS", "not connected" + (acs?["LastEnd"]?.stringValue.map { " (last: \($0))" } ?? ""))
            }
            line("TCS", c["TCS"]?["Connected"]?.boolValue == true ? "connected" : "not connected")
        } else {
            line("ACS", "unknown (not registered yet)")
        }

        guard let (code, tasksBody, _) = await Doctor.get(base + "/v1/tasks", timeout: .seconds(10)), code == 200,
              let tasks = JSONValue.parse(tasksBody)?["Tasks"]?.arrayValue else {
            return (text + "\ntasks: the agent did not list them\n", 1)
        }
        let states = await containerStates()
        var rows: [[String]] = [["TASK", "DEFINITION", "DESIRED", "KNOWN", "CONTAINER", "DOCKER", "STATE", "PORTS"]]
        for task in tasks {
            let arn = task["Arn"]?.stringValue ?? ""
            let id = arn.split(separator: "/").last.map(String.init) ?? arn
            let definition = "\(task["Family"]?.stringValue ?? "?"):\(task["Version"]?.stringValue ?? "?")"
            let containers = task["Containers"]?.arrayValue ?? []
            for (i, container) in containers.enumerated() {
                let dockerID = container["DockerId"]?.stringValue ?? ""
                let ports = (container["Ports"]?.arrayValue ?? []).compactMap { p -> String? in
                    guard let cp = p["ContainerPort"]?.intValue else { return nil }
                    let host = p["HostPort"]?.intValue.map { "\($0)" } ?? "-"
                    return "\(host)->\(cp)/\(p["Protocol"]?.stringValue ?? "tcp")"
                }
                rows.append([i == 0 ? String(id.prefix(32)) : "", i == 0 ? definition : "",
                             i == 0 ? (task["DesiredStatus"]?.stringValue ?? "") : "", i == 0 ? (task["KnownStatus"]?.stringValue ?? "") : "",
                             container["Name"]?.stringValue ?? "?", dockerID.isEmpty ? "-" : String(dockerID.prefix(12)),
                             dockerID.isEmpty ? "not created" : (states[dockerID] ?? "gone"), ports.isEmpty ? "-" : ports.joined(separator: ",")])
            }
        }
        text += "\n" + (rows.count == 1 ? "no tasks\n" : Self.table(rows))
        return (text, 0)
    }

    /// Docker's view of every container (running, exited (0), ...); empty when Docker does not answer.
    func containerStates() async -> [String: String] {
        guard let endpoint = DockerEndpoint(config.dockerEndpoint) else { return [:] }
        var timeouts = DockerClient.Timeouts()
        timeouts.quick = .seconds(10)
        let docker = DockerClient(endpoint: endpoint, timeouts: timeouts, logger: logger)
        defer { Task { try? await docker.shutdown() } }
        guard let list = try? await docker.listContainers(all: true) else { return [:] }
        var out: [String: String] = [:]
        for c in list { out[c.id] = c.status ?? c.state ?? "?" }
        return out
    }

    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 1) }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
