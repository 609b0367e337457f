public import AsyncHTTPClient
import NIOCore

/// The HTTP client every AWS call of the agent uses (ECS API, IMDS). Unlike
/// `HTTPClient.shared`, a refused connection fails the attempt at once instead of being
/// retried until the request deadline: the callers own their retry policies, and an agent
/// whose control plane is down must notice in milliseconds, not after 42 s.
public enum AWSHTTP {
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
