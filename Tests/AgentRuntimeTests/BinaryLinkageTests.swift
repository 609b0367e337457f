import AgentTestSupport
import Foundation
import Testing

/// The agent's idle memory is mostly the libraries it maps. Full Foundation pulls in
/// FoundationInternationalization and ICU (about 30 MiB of the 38 MiB RSS measured before),
/// so the agent binary must link FoundationEssentials only. A dependency that starts to
/// `import Foundation` unconditionally brings them back; this catches it at once.
@Suite("ecs-agent binary")
struct BinaryLinkageTests {
    @Test("ecs-agent links FoundationEssentials but neither full Foundation nor ICU")
    func noFullFoundation() async throws {
        let binary = TestEnvironment.productsDirectory + "/ecs-agent"
        let result = try await Subprocess.runDetached { try Subprocess.run(["readelf", "-d", binary], environment: ProcessInfo.processInfo.environment) }
        #expect(result.status == 0, "readelf: \(result.stderr)")
        let needed = result.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }.compactMap { line in
            line.split(separator: "[").last?.split(separator: "]").first.map(String.init)
        }
        #expect(needed.contains("libFoundationEssentials.so"), "\(needed)")
        #expect(!needed.contains("libFoundation.so"), "full Foundation is linked: \(needed)")
        #expect(!needed.contains { $0.contains("FoundationInternationalization") || $0.contains("ICU") }, "\(needed)")
    }
}
