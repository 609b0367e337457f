import AgentTestSupport
@testable import Endpoints
import Testing

/// Random paths, methods, headers and queries (a bounded, seeded run): every answer is one of
/// the statuses the spec gives, and nothing traps.
@Suite struct EndpointFuzzTests {
    static let segments = ["v1", "v2", "v3", "v4", "api", "credentials", "metadata", "metadataWithTags", "task", "taskWithTags", "stats",
                           "associations", "gpu", "x", Fixture.endpointID, "..", ".", "", "%2F", "%zz", "%", "é", "<>&", "tasks", "license",
                           "task-protection", "v1", "state", "fault", "%00", "a b", "?", "#"]
    static let methods = ["GET", "POST", "PUT", "HEAD", "DELETE", "PATCH", "OPTIONS", "BREW"]
    static let allowed: Set<Int> = [200, 301, 400, 404, 405, 429, 500, 503]

    static func randomRequest(_ g: inout SeededGenerator) -> EndpointRequest {
        let depth = Int.random(in: 0...6, using: &g)
        var path = (0..<depth).map { _ in segments.randomElement(using: &g)! }.joined(separator: "/")
        if Bool.random(using: &g) { path = "/" + path }
        if Int.random(in: 0..<5, using: &g) == 0 { path += "/" }
        var query: String?
        if Bool.random(using: &g) {
            query = (0..<Int.random(in: 0...3, using: &g)).map { _ in
                ["id", "dockerid", "taskarn", "x", "", "%zz"].randomElement(using: &g)! + (Bool.random(using: &g) ? "=" + segments.randomElement(using: &g)! : "")
            }.joined(separator: ["&", ";", "&&"].randomElement(using: &g)!)
        }
        let headers = (0..<Int.random(in: 0...3, using: &g)).map { _ in
            (["User-Agent", "X-Forwarded-For", "Content-Type", "X"].randomElement(using: &g)!, segments.randomElement(using: &g)!)
        }
        let body = (0..<Int.random(in: 0...64, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
        return EndpointRequest(method: methods.randomElement(using: &g)!, path: path, query: query,
                               remoteAddress: ["172.17.0.2:1000", "127.0.0.1:1", "[::1]:9", "", "garbage"].randomElement(using: &g)!,
                               headers: headers, body: body)
    }

    @Test func randomRequestsGetOnlySpecifiedStatuses() async throws {
        let s = try Fixture.sources()
        let tmds = TaskMetadataAPI(sources: s.endpoints, limiter: RateLimiter(rate: 1000, burst: 1000), audit: { _ in }, now: { 1 })
        let introspection = IntrospectionAPI(sources: s.endpoints, license: { "L" })
        var g = SeededGenerator(seed: 20261122)
        for _ in 0..<3000 {
            let request = Self.randomRequest(&g)
            let a = await tmds.respond(request)
            #expect(Self.allowed.contains(a.status), "\(request.method) \(request.path)?\(request.query ?? "") → \(a.status)")
            let b = await introspection.respond(request)
            #expect([200, 301, 400, 404, 500].contains(b.status), "\(request.path) → \(b.status)")
            if a.status >= 400 && a.status != 404 && a.status != 405 && a.status != 429 {
                #expect(a.header("Content-Type") == "application/json", "\(request.path) → \(a.status) \(a.bodyText)")
            }
        }
    }
}
