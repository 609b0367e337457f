/// `GET /images/{name}/json`.
public struct ImageInspect: Codable, Sendable {
    public var id: String
    public var repoTags: [String]?
    public var repoDigests: [String]?
    public var created: String?
    public var size: Int64?
    public var config: Config?

    public struct Config: Codable, Sendable {
        public var labels: [String: String]?
        public var stopSignal: String?
        public var env: [String]?
        enum CodingKeys: String, CodingKey { case labels = "Labels", stopSignal = "StopSignal", env = "Env" }
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created", size = "Size", config = "Config"
    }
}

/// One row of `GET /images/json`.
public struct ImageSummary: Codable, Sendable {
    public var id: String
    public var repoTags: [String]?
    public var repoDigests: [String]?
    public var created: Int64?
    public var size: Int64?
    public var labels: [String: String]?
    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", created = "Created", size = "Size", labels = "Labels"
    }
}

/// One message of an image pull's progress stream.
public struct PullProgress: Codable, Sendable {
    public var status: String?
    public var id: String?
    public var progress: String?
    public var progressDetail: Detail?
    public var error: String?
    public var errorDetail: ErrorDetail?

    public struct Detail: Codable, Sendable {
        public var current: Int64?
        public var total: Int64?
    }

    public struct ErrorDetail: Codable, Sendable {
        public var message: String?
    }
}

/// Credentials for one registry, sent as Docker's `X-Registry-Auth` header.
public struct RegistryCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public var username: String
    public var password: String
    public var serverAddress: String

    public init(username: String, password: String, serverAddress: String) {
        self.username = username
        self.password = password
        self.serverAddress = serverAddress
    }

    /// Never prints the password.
    public var description: String { "RegistryCredentials(\(username)@\(serverAddress))" }
    public var debugDescription: String { description }
}

/// An image reference split into the parts the pull API and error messages need.
public struct ImageReference: Sendable, Hashable {
    /// The registry host (`docker.io` when the reference names none).
    public var registry: String
    /// The name as given, without tag or digest (`127.0.0.1:5000/app`, `busybox`).
    public var repository: String
    /// A tag (`latest` when none is given) or a digest (`sha256:...`).
    public var tag: String
    public var isDigest: Bool

    public init(_ reference: String) {
        var name = reference
        var tag = "latest"
        var isDigest = false
        if let at = name.firstIndex(of: "@") {
            tag = String(name[name.index(after: at)...])
            name = String(name[..<at])
            isDigest = true
        } else if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            tag = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        let first = name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? name
        let hasRegistry = name.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        self.registry = hasRegistry ? first : "docker.io"
        self.repository = name
        self.tag = tag
        self.isDigest = isDigest
    }

    public var description: String { repository + (isDigest ? "@" : ":") + tag }
}
