public import AWSSupport
import ECSModel

/// Why a CloudWatch Logs call failed, sorted by what the shipper does about it.
public enum LogsAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The group or stream does not exist (ResourceNotFoundException): create it, call again.
    case notFound(String)
    /// The batch itself was refused (InvalidParameterException): retrying cannot help.
    case invalidBatch(String)
    /// No answer, throttling, a server error: try again after a while.
    case transient(String)
    /// Credentials missing or refused, access denied: try again much later (they may arrive).
    case refused(String)

    public var description: String {
        switch self {
        case .notFound(let m), .invalidBatch(let m), .transient(let m), .refused(let m): m
        }
    }
}

/// The three CloudWatch Logs operations the shipper needs.
public protocol LogsAPI: Sendable {
    /// Creates the group; one that already exists is not an error.
    func createLogGroup(_ group: String) async throws(LogsAPIError)
    /// Creates the stream; one that already exists is not an error.
    func createLogStream(group: String, stream: String) async throws(LogsAPIError)
    /// Sends events (chronological); returns how many CloudWatch refused as too old, too new
    /// or past the group's retention.
    func putLogEvents(group: String, stream: String, events: [LogEvent]) async throws(LogsAPIError) -> Int
}

/// CloudWatch Logs over AWS JSON 1.1 (`Logs_20140328.<Operation>`), one attempt per call:
/// the shipper retries with its own backoff, for as long as it takes.
public struct CloudWatchLogsClient: LogsAPI {
    let client: AWSJSONClient

    public init(endpoint: String, region: String, credentials: CredentialChain, userAgent: String, timeout: Duration = .seconds(30)) {
        client = AWSJSONClient(options: .init(endpoint: endpoint, region: region, service: "logs", targetPrefix: "Logs_20140328",
                                              userAgent: userAgent, timeout: timeout, attempts: 1), credentials: credentials)
    }

    /// `https://logs.<region>.<partition suffix>`.
    public static func endpoint(region: String) -> String {
        "https://logs.\(region).\(ECSEndpoint.dnsSuffix(region: region))"
    }

    public func createLogGroup(_ group: String) async throws(LogsAPIError) {
        try await create("CreateLogGroup", ["logGroupName": .string(group)])
    }

    public func createLogStream(group: String, stream: String) async throws(LogsAPIError) {
        try await create("CreateLogStream", ["logGroupName": .string(group), "logStreamName": .string(stream)])
    }

    func create(_ operation: String, _ input: JSONValue) async throws(LogsAPIError) {
        do {
            _ = try await client.call(operation, input)
        } catch {
            if error.awsError?.type == "ResourceAlreadyExistsException" { return }
            throw Self.classify(error)
        }
    }

    public func putLogEvents(group: String, stream: String, events: [LogEvent]) async throws(LogsAPIError) -> Int {
        let reply: JSONValue
        do {
            reply = try await client.call("PutLogEvents", body: Self.putBody(group: group, stream: stream, events: events))
        } catch {
            // Sequence tokens are ignored by the service now; an old emulator may still say so.
            if error.awsError?.type == "DataAlreadyAcceptedException" { return 0 }
            throw Self.classify(error)
        }
        return Self.rejectedCount(reply["rejectedLogEventsInfo"], total: events.count)
    }

    static func classify(_ error: AWSJSONClient.CallError) -> LogsAPIError {
        switch error {
        case .service(let e) where e.type == "ResourceNotFoundException": .notFound(e.description)
        case .service(let e) where e.type == "InvalidParameterException": .invalidBatch(e.description)
        case let e where e.isTransient: .transient(e.description)
        default: .refused(error.description)
        }
    }

    /// Events refused in an accepted call: the too-old and expired ones lead the batch, the
    /// too-new ones end it.
    static func rejectedCount(_ info: JSONValue?, total: Int) -> Int {
        guard let info else { return 0 }
        var leading = 0
        for key in ["tooOldLogEventEndIndex", "expiredLogEventEndIndex"] {
            if let end = info[key]?.intValue { leading = max(leading, Int(end) + 1) }
        }
        var trailing = 0
        if let start = info["tooNewLogEventStartIndex"]?.intValue { trailing = max(0, total - Int(start)) }
        return min(total, leading + trailing)
    }

    /// The PutLogEvents body, written directly: a 1 MiB batch of 10,000 events is the hot path.
    static func putBody(group: String, stream: String, events: [LogEvent]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(64) { $0 + $1.message.utf8.count + 40 } + group.utf8.count + stream.utf8.count)
        out += Array(#"{"logEvents":["#.utf8)
        for (i, event) in events.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"message":"#.utf8)
            appendJSONString(event.message, to: &out)
            out += Array(#","timestamp":"#.utf8)
            out += Array(String(event.timestamp).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out += Array(#"],"logGroupName":"#.utf8)
        appendJSONString(group, to: &out)
        out += Array(#","logStreamName":"#.utf8)
        appendJSONString(stream, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static let hex = Array("0123456789abcdef".utf8)

    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
