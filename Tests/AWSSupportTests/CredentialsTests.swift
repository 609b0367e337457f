import AWSSupport
import AgentTestSupport
import Foundation
import Testing

@Suite("Credential chain")
struct CredentialsTests {
    @Test("Environment keys win; a key without its secret is an error that names the variable")
    func environment() async throws {
        let found = try await EnvironmentCredentialProvider(values: ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"]).load()
        #expect(found?.credentials == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "s", sessionToken: "t"))
        #expect(try await EnvironmentCredentialProvider(values: [:]).load() == nil)
        await #expect { try await EnvironmentCredentialProvider(values: ["AWS_ACCESS_KEY_ID": "AKID"]).load() } throws: {
            "\($0)".contains("AWS_SECRET_ACCESS_KEY")
        }
    }

    @Test("The shared credentials file is parsed per profile and re-read, as the rotating file needs")
    func sharedFile() async throws {
        let dir = try TestEnvironment.temporaryDirectory("creds")
        let path = dir + "/credentials"
        try "# comment\n[default]\naws_access_key_id = AKID1\naws_secret_access_key=secret1\n\n[other]\r\naws_access_key_id=AKID2\r\naws_secret_access_key = s2\r\naws_session_token = tok\r\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try await SharedCredentialsFileProvider(path: path).load()?.credentials.accessKeyId == "AKID1")
        let other = try await SharedCredentialsFileProvider(path: path, profile: "other").load()
        #expect(other?.credentials == AWSCredentials(accessKeyId: "AKID2", secretAccessKey: "s2", sessionToken: "tok"))
        #expect(try await SharedCredentialsFileProvider(path: path, profile: "missing").load() == nil)
        #expect(try await SharedCredentialsFileProvider(path: dir + "/absent").load() == nil)

        // The chain keeps file credentials until their re-read time, then reads the file again.
        let cached = CredentialChain([SharedCredentialsFileProvider(path: path, rereadAfter: .seconds(600))], refreshAhead: .zero)
        let rereading = CredentialChain([SharedCredentialsFileProvider(path: path, rereadAfter: .zero)], refreshAhead: .zero)
        #expect(try await cached.credentials().accessKeyId == "AKID1")
        #expect(try await rereading.credentials().accessKeyId == "AKID1")
        try "[default]\naws_access_key_id=AKID3\naws_secret_access_key=secret3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try await cached.credentials().accessKeyId == "AKID1", "cached until the re-read time")
        #expect(try await rereading.credentials().accessKeyId == "AKID3", "re-read once the time has passed")
    }

    @Test("The chain tries providers in order and says what it tried when none has keys")
    func chainOrder() async throws {
        let chain = CredentialChain([EnvironmentCredentialProvider(values: [:]), SharedCredentialsFileProvider(path: "/nonexistent/credentials")])
        await #expect { try await chain.credentials() } throws: { "\($0)".contains("environment") && "\($0)".contains("/nonexistent/credentials") }
    }

    @Test("The instance role comes from IMDS with a v2 token, and is refreshed before it expires")
    func instanceRole() async throws {
        let imds = FakeIMDS()
        imds.requireToken = true
        try await imds.start()
        defer { Task { await imds.stop() } }
        // A generous exchange timeout: on a loaded run a token PUT slower than the 1 s default
        // rightly falls back to v1 for that call, which is not what this test is about.
        let client = IMDSClient(options: .init(endpoint: imds.url, timeout: .seconds(20)))
        let chain = CredentialChain([EnvironmentCredentialProvider(values: [:]), IMDSRoleCredentialProvider(imds: client)], refreshAhead: .seconds(300))
        let creds = try await chain.current()
        #expect(creds.credentials == AWSCredentials(accessKeyId: "ASIAFAKEROLE", secretAccessKey: "role-secret", sessionToken: "role-token"))
        #expect(creds.expiration == RFC3339.parse("2099-01-01T00:00:00Z"))
        // Credentials that expire within the refresh margin are fetched again on the next use.
        let soon = Date().addingTimeInterval(120)
        imds.paths["/latest/meta-data/iam/security-credentials/fake-role"] =
            #"{"AccessKeyId":"ASIASOON","SecretAccessKey":"x","Token":"y","Expiration":"\#(ISO8601DateFormatter().string(from: soon))"}"#
        await chain.invalidate()
        #expect(try await chain.credentials().accessKeyId == "ASIASOON")
        imds.paths["/latest/meta-data/iam/security-credentials/fake-role"] =
            #"{"AccessKeyId":"ASIANEXT","SecretAccessKey":"x","Token":"y","Expiration":"2099-01-01T00:00:00Z"}"#
        #expect(try await chain.credentials().accessKeyId == "ASIANEXT")
        #expect(imds.requests.filter { $0.hasPrefix("GET") }.allSatisfy { $0.hasSuffix(" token") })
    }

    @Test("RFC 3339 timestamps parse with fractions and offsets", arguments: [
        ("2026-05-05T12:00:00Z", 1_777_982_400.0), ("2026-05-05T12:00:00.5Z", 1_777_982_400.5), ("2026-05-05T14:00:00+02:00", 1_777_982_400.0),
    ])
    func rfc3339(text: String, epoch: Double) {
        #expect(RFC3339.parse(text)?.timeIntervalSince1970 == epoch)
    }
}

@Suite("Instance metadata client")
struct IMDSTests {
    @Test("IMDSv2: one token PUT, then GETs carrying it; identity document, region, instance id")
    func v2() async throws {
        let imds = FakeIMDS()
        imds.requireToken = true
        try await imds.start()
        defer { Task { await imds.stop() } }
        // A generous exchange timeout: on a loaded test run the 1 s default can expire on the PUT,
        // and a second PUT is then correct behaviour, not the token cache failing.
        let client = IMDSClient(options: .init(endpoint: imds.url, timeout: .seconds(20)))
        #expect(try await client.region() == "us-west-2")
        #expect(try await client.instanceId() == "i-0fake0000000001")
        #expect(try await client.identityDocument() == FakeIMDS.identityDocument)
        #expect(imds.requests.filter { $0.hasPrefix("PUT") }.count == 1)
    }

    @Test("A token PUT answered 403/404/405 falls back to IMDSv1, unless v1 is disabled", arguments: [403, 404, 405])
    func v1Fallback(status: Int) async throws {
        let imds = FakeIMDS()
        imds.tokenStatus = status
        try await imds.start()
        defer { Task { await imds.stop() } }
        #expect(try await IMDSClient(options: .init(endpoint: imds.url, timeout: .seconds(20))).instanceId() == "i-0fake0000000001")
        await #expect(throws: IMDSClient.Failure.self) { try await IMDSClient(options: .init(endpoint: imds.url, v1Disabled: true, timeout: .seconds(20))).instanceId() }
    }

    @Test("Disabled or unreachable metadata fails fast, and a missing path is a 404 not retried")
    func failFast() async throws {
        let disabled = IMDSClient(options: .from(environment: ["AWS_EC2_METADATA_DISABLED": "true"], external: false))
        await #expect(throws: IMDSClient.Failure.disabled) { try await disabled.instanceId() }
        #expect(!(await IMDSClient(options: .from(environment: [:], external: true)).isEnabled))
        // A loopback port nobody listens on stands for an absent IMDS.
        let start = ContinuousClock.now
        let absent = IMDSClient(options: .init(endpoint: "http://127.0.0.1:9", attempts: 2))
        await #expect(throws: IMDSClient.Failure.self) { try await absent.instanceId() }
        // Refused at once, not retried until a deadline; the bound is loose because the test
        // shares two cores with CPU-bound fuzz tests.
        #expect(ContinuousClock.now - start < .seconds(60))
        let imds = FakeIMDS(paths: [:])
        try await imds.start()
        defer { Task { await imds.stop() } }
        // A long exchange bound: under CI load a 1 s bound can expire before the 404 arrives,
        // and that timeout (rightly) is retried, which would count as a second request here.
        do {
            _ = try await IMDSClient(options: .init(endpoint: imds.url, timeout: .seconds(20))).get("/latest/meta-data/outpost-arn")
            Issue.record("expected a 404")
        } catch let f as IMDSClient.Failure {
            #expect(f.isNotFound)
        }
        #expect(imds.requests.filter { $0.contains("outpost-arn") }.count == 1)
    }

    @Test("The endpoint override and IPv6 mode come from the SDK's variables")
    func options() {
        #expect(IMDSClient.Options.from(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1338/"], external: false).endpoint == "http://127.0.0.1:1338")
        #expect(IMDSClient.Options.from(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"], external: false).endpoint == "http://[fd00:ec2::254]")
        #expect(IMDSClient.Options.from(environment: [:], external: false).endpoint == "http://169.254.169.254")
    }
}
