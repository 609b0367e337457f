/// Every failure of a Docker Engine call, in a closed set that a caller can switch over.
///
/// - `transport`: the daemon could not be reached or the connection broke (socket missing,
///   refused, reset). Usually retriable.
/// - `timeout`: the call's deadline passed; `after` is the budget that was exceeded.
/// - `http`: the daemon answered with a non-success status; `message` is Docker's own
///   `{"message": ...}` text.
/// - `stream`: a streamed call (image pull, exec) reported an error inside a 200 response.
/// - `decoding`: the daemon's answer was not the JSON we expected.
/// - `bodyTooLarge`: an answer exceeded the cap, so a wedged daemon cannot exhaust memory.
/// - `unsupportedAPIVersion`: the daemon is older than the oldest API this client speaks.
///
/// `operation` names the call in the words an operator would use (`start container 3f2a…`,
/// `pull 127.0.0.1:5000/app:1 from registry 127.0.0.1:5000`).
public enum DockerError: Error, Sendable, CustomStringConvertible {
    case transport(operation: String, reason: String)
    case timeout(operation: String, after: Duration)
    case http(operation: String, status: Int, message: String)
    case stream(operation: String, message: String)
    case decoding(operation: String, reason: String)
    case bodyTooLarge(operation: String, limit: Int)
    case unsupportedAPIVersion(server: String, minimum: String)

    public var description: String {
        switch self {
        case .transport(let op, let reason): "\(op): cannot reach the Docker daemon: \(reason)"
        case .timeout(let op, let after): "\(op): no answer from the Docker daemon within \(after)"
        case .http(let op, let status, let message): "\(op): Docker answered \(status): \(message)"
        case .stream(let op, let message): "\(op): \(message)"
        case .decoding(let op, let reason): "\(op): unexpected answer from the Docker daemon: \(reason)"
        case .bodyTooLarge(let op, let limit): "\(op): answer larger than \(limit) bytes"
        case .unsupportedAPIVersion(let server, let minimum):
            "the Docker daemon speaks API \(server); this agent needs at least \(minimum)"
        }
    }

    /// The HTTP status, for `.http`.
    public var status: Int? {
        if case .http(_, let status, _) = self { return status }
        return nil
    }

    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 }

    /// Whether trying again later can help: transport failures, timeouts and 5xx answers.
    public var isRetriable: Bool {
        switch self {
        case .transport, .timeout: true
        case .http(_, let status, _): status >= 500
        default: false
        }
    }
}
