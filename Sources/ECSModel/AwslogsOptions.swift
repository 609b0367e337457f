/// A container's awslogs options (its `logConfiguration.options`), checked as Docker's awslogs
/// driver checks them, with the stream name AWS documents for ECS:
/// `<awslogs-stream-prefix>/<container name>/<task ID>`, or the container's Docker ID
/// without a prefix; an explicit `awslogs-stream` wins.
public struct AwslogsOptions: Sendable, Equatable {
    public var group: String
    public var region: String?
    public var explicitStream: String?
    public var streamPrefix: String?
    public var createGroup: Bool
    public var endpoint: String?
    public var datetimeFormat: String?
    public var multilinePattern: String?

    public static let keys: Set<String> = [
        "awslogs-group", "awslogs-region", "awslogs-stream", "awslogs-stream-prefix", "awslogs-create-group", "awslogs-endpoint",
        "awslogs-datetime-format", "awslogs-multiline-pattern", "awslogs-credentials-endpoint", "awslogs-force-flush-interval-seconds",
        "awslogs-max-buffered-events", "awslogs-format", "tag", "mode", "max-buffer-size",
    ]

    /// Parses and checks; the error names the bad option.
    public init(_ options: [String: String]) throws(AwslogsOptionsError) {
        for key in options.keys.sorted() where !Self.keys.contains(key) {
            throw AwslogsOptionsError("unknown log opt '\(key)' for awslogs log driver")
        }
        guard let group = options["awslogs-group"], !group.isEmpty else {
            throw AwslogsOptionsError("must specify a value for log opt 'awslogs-group'")
        }
        self.group = group
        region = options["awslogs-region"].flatMap { $0.isEmpty ? nil : $0 }
        explicitStream = options["awslogs-stream"].flatMap { $0.isEmpty ? nil : $0 }
        streamPrefix = options["awslogs-stream-prefix"].flatMap { $0.isEmpty ? nil : $0 }
        endpoint = options["awslogs-endpoint"].flatMap { $0.isEmpty ? nil : $0 }
        switch options["awslogs-create-group"]?.lowercased() {
        case nil, "", "false", "0", "f": createGroup = false
        case "true", "1", "t": createGroup = true
        case let other?: throw AwslogsOptionsError("must specify valid value for log opt 'awslogs-create-group': \(other) is not a boolean")
        }
        datetimeFormat = options["awslogs-datetime-format"].flatMap { $0.isEmpty ? nil : $0 }
        multilinePattern = options["awslogs-multiline-pattern"].flatMap { $0.isEmpty ? nil : $0 }
        if datetimeFormat != nil && multilinePattern != nil {
            throw AwslogsOptionsError("you cannot configure log opt 'awslogs-datetime-format' and 'awslogs-multiline-pattern' at the same time")
        }
        if let pattern = multilinePattern, (try? Regex(pattern)) == nil {
            throw AwslogsOptionsError("awslogs-multiline-pattern \(pattern) is not a valid regular expression")
        }
    }

    /// The log stream for a container of a task.
    public func stream(containerName: String, taskArn: String, dockerID: String) -> String {
        if let explicitStream { return explicitStream }
        guard let streamPrefix else { return dockerID }
        let taskID = taskArn.split(separator: "/").last.map(String.init) ?? taskArn
        return "\(streamPrefix)/\(containerName)/\(taskID)"
    }
}

public struct AwslogsOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
