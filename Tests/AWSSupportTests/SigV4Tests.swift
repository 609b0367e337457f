import AgentTestSupport
import Foundation
import Testing
@testable import AWSSupport

@Suite("SigV4")
struct SigV4Tests {
    static let example = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let exampleDate = SigV4.parseAmzDate("20150830T123600Z")!

    @Test("The AWS test-suite request get-vanilla signs to its published signature")
    func getVanilla() {
        let request = SigV4.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")], body: [])
        let added = SigV4.sign(request, credentials: Self.example, region: "us-east-1", service: "service", date: Self.exampleDate)
        let authorization = added.first { $0.0 == "Authorization" }?.1
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test("Query strings are canonicalised: sorted, RFC 3986, '+' read as a space")
    func canonicalQuery() {
        #expect(SigV4.canonicalQuery("b=2&a=1&a=0") == "a=0&a=1&b=2")
        #expect(SigV4.canonicalQuery("dockerVersion=DockerVersion%3A+20.10&x=a~b") == "dockerVersion=DockerVersion%3A%2020.10&x=a~b")
        #expect(SigV4.canonicalQuery("flag") == "flag=")
        #expect(SigV4.canonicalQuery("") == "")
    }

    @Test("Dates format and parse as yyyyMMddTHHmmssZ across the calendar", arguments: [0.0, 951_782_400, 1_440_938_160, 4_102_444_799])
    func dates(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let text = SigV4.amzDateFormat(date)
        #expect(SigV4.parseAmzDate(text) == date)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        #expect(text == formatter.string(from: date))
    }

    func verifier(_ creds: AWSCredentials = example) -> SigV4Verifier {
        SigV4Verifier(service: "ecs") { $0 == creds.accessKeyId ? creds : nil }
    }

    func signed(_ creds: AWSCredentials = example, body: String = "{}", date: Date = Date()) -> SigV4.Request {
        var request = SigV4.Request(method: "POST", path: "/", headers: [
            ("Host", "127.0.0.1:8080"), ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
        ], body: Array(body.utf8))
        request.headers += SigV4.sign(request, credentials: creds, region: "us-west-2", service: "ecs", date: date)
        return request
    }

    @Test("A request we sign verifies, and names its key and region")
    func roundTrip() throws {
        let identity = try verifier().verify(signed()).get()
        #expect(identity == .init(accessKeyId: "AKIDEXAMPLE", region: "us-west-2"))
    }

    @Test("Tampering with the body, a signed header or the key is refused with AWS's error types")
    func refusals() {
        var body = signed()
        body.payloadHash = SigV4.emptyPayloadHash
        #expect(verifier().verify(body) == .failure(.signatureMismatch))

        var target = signed()
        target.headers = target.headers.map { $0.0 == "X-Amz-Target" ? ($0.0, "AmazonEC2ContainerServiceV20141113.DeleteCluster") : $0 }
        #expect(verifier().verify(target) == .failure(.signatureMismatch))

        let stranger = AWSCredentials(accessKeyId: "AKIDOTHER", secretAccessKey: "x")
        #expect(verifier().verify(signed(stranger)).failureType == "UnrecognizedClientException")

        let wrongSecret = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-the-secret")
        #expect(verifier().verify(signed(wrongSecret)).failureType == "InvalidSignatureException")

        var unsigned = signed()
        unsigned.headers.removeAll { $0.0 == "Authorization" }
        #expect(verifier().verify(unsigned).failureType == "MissingAuthenticationTokenException")

        let old = signed(date: Date().addingTimeInterval(-3600))
        #expect(verifier().verify(old).failureType == "InvalidSignatureException")

        var garbled = signed()
        garbled.headers = garbled.headers.map { $0.0 == "Authorization" ? ($0.0, "AWS4-HMAC-SHA256 Credential=x") : $0 }
        #expect(verifier().verify(garbled).failureType == "IncompleteSignatureException")
    }

    @Test("Session tokens are signed and must match the configured one")
    func sessionToken() {
        let temporary = AWSCredentials(accessKeyId: "ASIAEXAMPLE", secretAccessKey: "s", sessionToken: "token-1")
        #expect((try? verifier(temporary).verify(signed(temporary)).get()) != nil)
        let other = AWSCredentials(accessKeyId: "ASIAEXAMPLE", secretAccessKey: "s", sessionToken: "token-2")
        #expect(verifier(temporary).verify(signed(other)) == .failure(.invalidToken))
    }

    @Test("Credentials never print their secret or token")
    func redacted() {
        let c = AWSCredentials(accessKeyId: "AKID", secretAccessKey: "sekrit", sessionToken: "tok3n")
        #expect(!"\(c)".contains("sekrit") && !"\(c)".contains("tok3n"))
        #expect(!String(reflecting: c).contains("sekrit"))
    }
}

/// botocore, the signer of the real aws CLI, as an independent oracle.
@Suite("SigV4 against botocore")
struct BotocoreOracleTests {
    static let script = """
    import json, sys
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    spec = json.load(sys.stdin)
    req = AWSRequest(method=spec["method"], url=spec["url"], data=spec["body"].encode(), headers=spec["headers"])
    SigV4Auth(Credentials(spec["key"], spec["secret"], spec.get("token")), "ecs", "us-west-2").add_auth(req)
    print(json.dumps(dict(req.headers.items())))
    """

    func botocoreSign(method: String, url: String, body: String, headers: [String: String], token: String?) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var spec: [String: Any] = ["method": method, "url": url, "body": body, "headers": headers, "key": "AKIDBOTO", "secret": "botosecret/+="]
        if let token { spec["token"] = token }
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: spec))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with botocore is needed (scripts/setup-host installs awscli)")
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    static let cases: [(String, String, String)] = [
        ("POST", "http://127.0.0.1:8080/", #"{"cluster":"default"}"#),
        // botocore writes spaces as %20 (it signs the raw query as given); the Go agent writes "+"
        // and signs "%20", which canonicalQuery covers.
        ("GET", "http://127.0.0.1:8080/acs/ws?clusterArn=default&seqNum=1&dockerVersion=DockerVersion%3A%2020.10.24&sendCredentials=true", ""),
        ("GET", "http://localhost:9/a%20b/c?x=1&x=0&empty=", ""),
    ]

    @Test("botocore's signatures verify, and ours are byte-identical to botocore's", arguments: cases)
    func agree(method: String, url: String, body: String) async throws {
        for token in [nil, "FQoGZXIvYXdzE//token+="] as [String?] {
            let headers = ["Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"]
            // python3 takes a second to start: off Swift concurrency's few threads.
            let signedByBoto = try await Subprocess.runDetached { try self.botocoreSign(method: method, url: url, body: body, headers: headers, token: token) }
            let components = URLComponents(string: url)!
            let host = components.port.map { "\(components.host!):\($0)" } ?? components.host!
            let path = components.percentEncodedPath
            let query = components.percentEncodedQuery ?? ""
            let creds = AWSCredentials(accessKeyId: "AKIDBOTO", secretAccessKey: "botosecret/+=", sessionToken: token)
            var request = SigV4.Request(method: method, path: path, query: query,
                                        headers: [("Host", host)] + signedByBoto.map { ($0.key, $0.value) }, body: Array(body.utf8))
            let verifier = SigV4Verifier(service: "ecs") { $0 == "AKIDBOTO" ? creds : nil }
            #expect((try? verifier.verify(request).get()) != nil, "botocore's signature did not verify: \(signedByBoto)")

            // Our signer, at botocore's instant and over the same headers, writes the same Authorization.
            request.headers = [("Host", host)] + headers.map { ($0.key, $0.value) }
            let date = try #require(SigV4.parseAmzDate(signedByBoto["X-Amz-Date"] ?? ""))
            let ours = SigV4.sign(request, credentials: creds, region: "us-west-2", service: "ecs", date: date)
            #expect(ours.first { $0.0 == "Authorization" }?.1 == signedByBoto["Authorization"])
        }
    }
}

extension BotocoreOracleTests {
    @Test("A websocket upgrade signed over the Go agent's '+'-encoded URL equals botocore's signature of the same URL")
    func upgradeMatchesBotocore() throws {
        let goQuery = "agentHash=00000000&agentVersion=1.105.1&clusterArn=my+cluster&containerInstanceArn=arn%3Aaws%3Aecs%3Aus-west-2%3A123456789012%3Acontainer-instance%2Fdefault%2Fabc&dockerVersion=DockerVersion%3A+20.10.24&protocolVersion=2&sendCredentials=true&seqNum=1"
        // botocore signs the query as given, so it gets the canonical (%20) spelling.
        let botoURL = "http://127.0.0.1:8080/acs/ws?" + goQuery.replacingOccurrences(of: "+", with: "%20")
        for token in [nil, "FQoGZXIvYXdzE//token+="] as [String?] {
            let boto = try botocoreSign(method: "GET", url: botoURL, body: "", headers: [:], token: token)
            let date = try #require(SigV4.parseAmzDate(boto["X-Amz-Date"] ?? ""))
            let creds = AWSCredentials(accessKeyId: "AKIDBOTO", secretAccessKey: "botosecret/+=", sessionToken: token)
            let ours = SigV4.signUpgrade(url: URLParts("http://127.0.0.1:8080/acs/ws?" + goQuery)!, credentials: creds, region: "us-west-2", date: date)
            #expect(ours.first { $0.0 == "Authorization" }?.1 == boto["Authorization"])
            #expect(ours.first { $0.0 == "X-Amz-Security-Token" }?.1 == token)
        }
    }

    @Test("A TCS frame's header block carries botocore's signature of a GET with the envelope as body, names sorted")
    func telemetryFrameMatchesBotocore() throws {
        let envelope = #"{"type":"PublishMetricsRequest","message":{"metadata":{"cluster":"default","fin":true,"idle":true},"taskMetrics":[],"timestamp":1735689600.5}}"#
        let url = "http://127.0.0.1:8080/tcs/ws?agentHash=00000000&agentVersion=1.105.1&cluster=default&containerInstance=arn%3Aci&dockerVersion=20.10.24"
        for token in [nil, "session-token"] as [String?] {
            let boto = try botocoreSign(method: "GET", url: url, body: envelope, headers: [:], token: token)
            let date = try #require(SigV4.parseAmzDate(boto["X-Amz-Date"] ?? ""))
            let creds = AWSCredentials(accessKeyId: "AKIDBOTO", secretAccessKey: "botosecret/+=", sessionToken: token)
            // Signed on the ws:// URL the session dials; the frame is signed over its http form.
            let frame = SigV4.signedTelemetryFrame(envelope, url: URLParts(url.replacingOccurrences(of: "http://", with: "ws://"))!, credentials: creds, region: "us-west-2", date: date)
            let parts = frame.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 2 && parts[1] == envelope)
            let lines = parts[0].components(separatedBy: "\r\n")
            let names = lines.map { $0.components(separatedBy: ": ")[0] }
            #expect(names == (token == nil ? ["Authorization", "Host", "X-Amz-Date"] : ["Authorization", "Host", "X-Amz-Date", "X-Amz-Security-Token"]))
            #expect(lines[0] == "Authorization: " + (boto["Authorization"] ?? "?"))
            #expect(lines[1] == "Host: 127.0.0.1:8080")
        }
    }
}

extension Result where Failure == SigV4Verifier.Failure {
    var failureType: String? {
        if case .failure(let f) = self { return f.awsErrorType }
        return nil
    }
}
