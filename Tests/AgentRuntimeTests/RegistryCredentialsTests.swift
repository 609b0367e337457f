@testable import AgentRuntime
import AWSSupport
import ECSModel
import TaskEngine
import Testing

@Suite("Registry credentials from registryAuthentication: parsing, endpoints, cache")
struct RegistryCredentialsTests {
    static func source(_ environment: [String: String] = [:]) -> AWSRegistryCredentials {
        AWSRegistryCredentials(region: "us-west-2", environment: environment, userAgent: "t", instanceCredentials: CredentialChain([]))
    }

    @Test("An ECR token is base64 user:password; the password may hold colons; garbage is no login")
    func token() {
        let login = AWSRegistryCredentials.decodeToken("QVdTOnBhc3M6d29yZA==", proxyEndpoint: "https://1.dkr.ecr.us-west-2.amazonaws.com")
        #expect(login == RegistryLogin(username: "AWS", password: "pass:word", serverAddress: "https://1.dkr.ecr.us-west-2.amazonaws.com"))
        #expect(AWSRegistryCredentials.decodeToken("not base64!", proxyEndpoint: "") == nil)
        #expect(AWSRegistryCredentials.decodeToken("bm9jb2xvbg==", proxyEndpoint: "") == nil, "no colon")
    }

    @Test("The ECR endpoint: endpointOverride, then AWS_ENDPOINT_URL_ECR, then AWS_ENDPOINT_URL, then the partition's regional endpoint")
    func endpoint() {
        let data = RegistryAuthentication.ECRAuthData(registryId: "1", region: "eu-west-1")
        #expect(Self.source().ecrEndpoint(data, region: "eu-west-1") == "https://api.ecr.eu-west-1.amazonaws.com")
        #expect(Self.source().ecrEndpoint(data, region: "cn-north-1") == "https://api.ecr.cn-north-1.amazonaws.com.cn")
        #expect(Self.source(["AWS_ENDPOINT_URL": "http://a"]).ecrEndpoint(data, region: "eu-west-1") == "http://a")
        #expect(Self.source(["AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_ECR": "http://b"]).ecrEndpoint(data, region: "eu-west-1") == "http://b")
        var overridden = data
        overridden.endpointOverride = "ecr.example.internal"
        #expect(Self.source(["AWS_ENDPOINT_URL_ECR": "http://b"]).ecrEndpoint(overridden, region: "eu-west-1") == "https://ecr.example.internal")
    }

    @Test("A cached token is reused until its refresh moment, then dropped")
    func cache() {
        let cache = ECRTokenCache()
        let login = RegistryLogin(username: "AWS", password: "p", serverAddress: "s")
        cache.store(login, key: "k", refreshAt: 100)
        #expect(cache.valid("k", now: 99) == login)
        #expect(cache.valid("other", now: 99) == nil)
        #expect(cache.valid("k", now: 100) == nil)
        #expect(cache.valid("k", now: 50) == nil, "dropped once stale")
    }

    @Test("Without execution credentials a useExecutionRole ECR pull and any Secrets Manager pull fail with the reference agent's error names")
    func missingExecutionCredentials() async {
        let source = Self.source()
        do {
            _ = try await source.login(.init(type: "ecr", ecrAuthData: .init(registryId: "1", useExecutionRole: true)), image: "i", executionCredentials: nil)
            Issue.record("no error")
        } catch { #expect(error.reason.hasPrefix("CannotPullECRContainerError")) }
        do {
            _ = try await source.login(.init(type: "asm", asmAuthData: .init(credentialsParameter: "arn:aws:secretsmanager:us-west-2:1:secret:r")), image: "i", executionCredentials: nil)
            Issue.record("no error")
        } catch { #expect(error.reason.hasPrefix("CannotPullContainerAuthError")) }
    }
}
