import Testing
@testable import DockerEngine

@Suite("Docker wire formats")
struct WireFormatTests {
    @Test("Multiplexed log frames are decoded whatever the chunk boundaries")
    func demultiplex() throws {
        func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
            let payload = Array(text.utf8)
            let n = payload.count
            return [stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
        }
        let bytes = frame(1, "out one\n") + frame(2, "err one\n") + frame(1, "") + frame(1, "out two\n")
        for split in 1..<bytes.count {
            var demux = LogDemultiplexer(raw: false)
            var chunks = try demux.push(bytes[..<split])
            chunks += try demux.push(bytes[split...])
            #expect(chunks.map(\.stream) == [.stdout, .stderr, .stdout, .stdout])
            #expect(chunks.map(\.text).joined() == "out one\nerr one\nout two\n")
            #expect(demux.leftover == 0)
        }
    }

    @Test("A corrupt frame header is an error, not garbage output")
    func corruptHeader() {
        #expect(throws: LogDemultiplexer.Failure.self) {
            var demux = LogDemultiplexer(raw: false)
            _ = try demux.push(Array("hello world".utf8))
        }
    }

    @Test("A TTY container's raw stream is passed through as stdout")
    func rawStream() throws {
        var demux = LogDemultiplexer(raw: true)
        let chunks = try demux.push(Array("abc".utf8))
        #expect(chunks == [LogChunk(stream: .stdout, bytes: Array("abc".utf8))])
    }

    @Test("Concatenated JSON documents are split across any chunking, strings with braces included")
    func splitJSON() throws {
        let text = #"{"a":"}{"}"# + "\n" + #"{"b":{"c":[1,2]}}{"d":"\"}"}"#
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            var splitter = JSONStreamSplitter(maximumDocument: 1024)
            var docs = try splitter.push(bytes[..<split])
            docs += try splitter.push(bytes[split...])
            #expect(docs.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":"}{"}"#, #"{"b":{"c":[1,2]}}"#, #"{"d":"\"}"}"#])
        }
    }

    @Test("A document over the cap is refused")
    func documentCap() {
        #expect(throws: JSONStreamSplitter.Failure.self) {
            var splitter = JSONStreamSplitter(maximumDocument: 16)
            _ = try splitter.push(Array(#"{"a":"0123456789012345678"#.utf8))
        }
    }

    @Test("The event cursor drops events already delivered at the resume instant")
    func eventCursor() {
        func event(_ t: Int64, _ action: String, _ id: String = "c1") -> DockerEvent {
            DockerEvent(type: "container", action: action, actor: .init(id: id, attributes: nil), scope: "local", time: t / 1_000_000_000, timeNano: t)
        }
        var cursor = EventCursor(since: nil)
        func admit(_ e: DockerEvent) -> Bool { cursor.admit(e) }
        #expect(cursor.sinceParameter == nil)
        #expect(admit(event(1_000_000_005, "create")))
        #expect(admit(event(2_000_000_000, "start")))
        #expect(admit(event(2_000_000_000, "attach")))
        #expect(cursor.sinceParameter == "2.000000000")
        // After a reconnect, since= is inclusive: the same instant comes again.
        #expect(!admit(event(1_000_000_005, "create")))
        #expect(!admit(event(2_000_000_000, "start")))
        #expect(!admit(event(2_000_000_000, "attach")))
        #expect(admit(event(2_000_000_000, "start", "c2")))
        #expect(admit(event(3_000_000_000, "die")))
    }

    static let references: [(String, String, String, String)] = [
        ("busybox", "docker.io", "busybox", "latest"),
        ("library/busybox:1.36", "docker.io", "library/busybox", "1.36"),
        ("127.0.0.1:5000/app:v1", "127.0.0.1:5000", "127.0.0.1:5000/app", "v1"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "127.0.0.1:5000/app", "latest"),
        ("localhost/app:2", "localhost", "localhost/app", "2"),
        ("123.dkr.ecr.us-west-2.amazonaws.com/web@sha256:abc", "123.dkr.ecr.us-west-2.amazonaws.com", "123.dkr.ecr.us-west-2.amazonaws.com/web", "sha256:abc"),
    ]

    @Test("Image references name their registry", arguments: references)
    func imageReference(text: String, registry: String, repository: String, tag: String) {
        let ref = ImageReference(text)
        #expect(ref.registry == registry)
        #expect(ref.repository == repository)
        #expect(ref.tag == tag)
    }

    @Test("DOCKER_HOST forms", arguments: [
        ("unix:///var/run/docker.sock", "unix:///var/run/docker.sock"),
        ("/run/docker.sock", "unix:///run/docker.sock"),
        ("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2375"),
    ])
    func endpoints(text: String, normalised: String) {
        #expect(DockerEndpoint(text)?.description == normalised)
    }

    @Test("Malformed DOCKER_HOST values are refused", arguments: ["http://x", "unix://relative", "tcp://host", "tcp://:1", ""])
    func badEndpoints(text: String) {
        #expect(DockerEndpoint(text) == nil)
    }

    @Test("The Unix socket path is percent-encoded into the URL host")
    func baseURL() {
        #expect(DockerEndpoint.unix(path: "/var/run/docker.sock").baseURL == "http+unix://%2Fvar%2Frun%2Fdocker.sock")
    }

    @Test("Base64 matches RFC 4648 vectors, and the URL-safe alphabet")
    func base64() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors { #expect(Base64.encode(Array(plain.utf8)) == encoded) }
        #expect(Base64.encode([0xfb, 0xff], urlSafe: true) == "-_8=")
    }

    @Test("Filters are Docker's JSON map of lists, escaped")
    func filters() {
        let f = DockerFilters.label("a=b").adding("label", "q=\"x\"").adding("type", "container")
        #expect(f.json == #"{"label":["a=b","q=\"x\""],"type":["container"]}"#)
    }

    @Test("Registry credentials never print the password")
    func credentialsRedacted() {
        let c = RegistryCredentials(username: "u", password: "s3cret", serverAddress: "r")
        #expect(!"\(c)".contains("s3cret"))
        #expect(!String(reflecting: c).contains("s3cret"))
    }
}
