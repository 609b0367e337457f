/// The error body of the AWS JSON 1.1 protocol: `{"__type": "...", "message": "..."}` with a
/// 4xx/5xx status. botocore reads `__type` (stripping any `namespace#` prefix) and `message`.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var status: Int
    /// `x-amzn-RequestId` of the answer, when read from one.
    public var requestId: String?

    public init(_ type: String, _ message: String, status: Int = 400, requestId: String? = nil) {
        self.type = type
        self.message = message
        self.status = status
        self.requestId = requestId
    }

    public var description: String { "\(type): \(message)" }

    public static func invalidParameter(_ message: String) -> AWSError { .init("InvalidParameterException", message) }
    public static func client(_ message: String) -> AWSError { .init("ClientException", message) }
    public static func clusterNotFound(_ message: String = "Cluster not found.") -> AWSError { .init("ClusterNotFoundException", message) }
    public static func server(_ message: String) -> AWSError { .init("ServerException", message, status: 500) }
}
