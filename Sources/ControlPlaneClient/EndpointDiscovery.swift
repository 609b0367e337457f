import AWSSupport
import ECSModel
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// DiscoverPollEndpoint with the Go agent's cache (protocol.md §2.4): one entry per instance,
/// 12 h TTL, and an expired entry is still used when a fresh call fails.
public actor EndpointDiscovery {
    public struct Endpoints: Sendable, Hashable {
        public var acs: String
        public var telemetry: String
    }

    let api: any ECSAPI
    let containerInstanceArn: String
    let cluster: String
    let ttl: Duration
    private var cached: (Endpoints, fetched: ContinuousClock.Instant)?

    public init(api: any ECSAPI, containerInstanceArn: String, cluster: String, ttl: Duration = .seconds(12 * 3600)) {
        self.api = api
        self.containerInstanceArn = containerInstanceArn
        self.cluster = cluster
        self.ttl = ttl
    }

    public func endpoints() async throws -> Endpoints {
        if let cached, ContinuousClock.now - cached.fetched < ttl { return cached.0 }
        do {
            let out = try await api.discoverPollEndpoint(containerInstance: containerInstanceArn, cluster: cluster)
            guard let acs = out["endpoint"]?.stringValue, let tcs = out["telemetryEndpoint"]?.stringValue else {
                throw AWSJSONClient.CallError.malformed(operation: "DiscoverPollEndpoint", reason: "endpoint or telemetryEndpoint missing")
            }
            for url in [acs, tcs] where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw AWSJSONClient.CallError.malformed(operation: "DiscoverPollEndpoint", reason: "\(url) is not an http(s) URL")
            }
            let fresh = Endpoints(acs: acs, telemetry: tcs)
            cached = (fresh, ContinuousClock.now)
            return fresh
        } catch {
            if let cached { return cached.0 }
            throw error
        }
    }

    /// Treat the cache as expired (after connections to it failed repeatedly); it stays as
    /// the fallback if the next discovery fails.
    public func invalidate() {
        if let entry = cached { cached = (entry.0, ContinuousClock.now - ttl) }
    }
}
