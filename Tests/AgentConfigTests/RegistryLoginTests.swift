import AgentConfig
import Testing

@Suite("Registry logins from ECS_ENGINE_AUTH_DATA")
struct RegistryLoginTests {
    @Test("Docker Hub images use the index.docker.io key; others the longest key that prefixes the image")
    func lookup() {
        let data = #"{"https://index.docker.io/v1/":{"username":"hub","password":"p1"},"reg.example.com":{"username":"reg","password":"p2"},"reg.example.com/team":{"username":"team","password":"p3"}}"#
        #expect(RegistryAuth.login(forImage: "nginx:latest", type: "docker", data: data)?.username == "hub")
        #expect(RegistryAuth.login(forImage: "library/nginx", type: "docker", data: data)?.serverAddress == "https://index.docker.io/v1/")
        #expect(RegistryAuth.login(forImage: "reg.example.com/other/app:1", type: "docker", data: data)?.username == "reg")
        #expect(RegistryAuth.login(forImage: "reg.example.com/team/app:1", type: "docker", data: data)?.username == "team")
        #expect(RegistryAuth.login(forImage: "elsewhere.io/app", type: "docker", data: data) == nil, "no match: anonymous")
        #expect(RegistryAuth.login(forImage: "127.0.0.1:5000/app", type: "docker", data: #"{"127.0.0.1:5000":{"username":"u","password":"p"}}"#)?.serverAddress == "127.0.0.1:5000")
    }

    @Test("dockercfg entries carry base64 user:password")
    func dockercfg() {
        // "alice:s3:cret" (the password keeps its colon).
        let login = RegistryAuth.login(forImage: "reg.example.com/app", type: "dockercfg", data: #"{"reg.example.com":{"auth":"YWxpY2U6czM6Y3JldA==","email":"a@b"}}"#)
        #expect(login?.username == "alice" && login?.password == "s3:cret" && login?.serverAddress == "reg.example.com")
        #expect(RegistryAuth.login(forImage: "reg.example.com/app", type: "dockercfg", data: #"{"reg.example.com":{"auth":"!!"}}"#) == nil)
    }
}
