// swift-tools-version:6.1
// The ECS container agent (ecs-agent) and its one-machine control plane (ecs-local).
// Module map and the reasons for it: README.md, "Layout".
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Tests import freely: no access-level bookkeeping in test code.
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "ecs-agent",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ecs-agent", targets: ["ecs-agent"]),
        .executable(name: "ecs-local", targets: ["ecs-local"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        // No traits: the defaults (swift-configuration, FullFoundation) would link full Foundation and ICU into ecs-agent.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.0.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    ],
    targets: [
        // C shims --------------------------------------------------------------------------
        .systemLibrary(
            name: "CSystemd",
            path: "Sources/CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .systemLibrary(name: "CGlibcMalloc", path: "Sources/CGlibcMalloc"),
        .systemLibrary(
            name: "CSeccomp",
            path: "Sources/CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]
        ),

        // Leaves ---------------------------------------------------------------------------
        .target(name: "PosixFiles", swiftSettings: swiftSettings),
        .target(name: "AsyncGate", swiftSettings: swiftSettings),
        .target(
            name: "ECSModel",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AgentConfig",
            dependencies: ["ECSModel", "PosixFiles"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AWSSupport",
            dependencies: [
                "ECSModel", "PosixFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TaskEngine",
            dependencies: ["ECSModel", "AsyncGate", .product(name: "Logging", package: "swift-log")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Endpoints",
            dependencies: [
                "ECSModel", "TaskEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LogShipping",
            dependencies: [
                "ECSModel", "AWSSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StateStore",
            dependencies: [
                "PosixFiles", "AsyncGate",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ControlPlaneClient",
            dependencies: [
                "ECSModel", "AWSSupport", "StateStore",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LocalControlPlane",
            dependencies: [
                "ECSModel", "AWSSupport", "AsyncGate",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ecs-local",
            dependencies: [
                "LocalControlPlane", "HostSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HostSystem",
            dependencies: [
                "CSystemd", "CGlibcMalloc", "CSeccomp", "PosixFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),

        // Composition root and executables --------------------------------------------------
        .target(
            name: "AgentRuntime",
            dependencies: [
                "AgentConfig", "DockerEngine", "HostSystem", "ECSModel", "AWSSupport", "StateStore", "ControlPlaneClient", "TaskEngine", "Endpoints", "LogShipping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ecs-agent",
            dependencies: [
                "AgentRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Tests ----------------------------------------------------------------------------
        .target(
            name: "AgentTestSupport",
            dependencies: [
                "DockerEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                "ECSModel",
                "TaskEngine",
            ],
            path: "Tests/AgentTestSupport",
            swiftSettings: testSettings
        ),
        .testTarget(name: "ECSModelTests", dependencies: ["ECSModel"], swiftSettings: testSettings),
        .testTarget(name: "AsyncGateTests", dependencies: ["AsyncGate"], swiftSettings: testSettings),
        .testTarget(name: "AgentConfigTests", dependencies: ["AgentConfig", "AgentTestSupport"], swiftSettings: testSettings),
        .testTarget(
            name: "DockerEngineTests",
            dependencies: ["DockerEngine", "AgentTestSupport"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "HostSystemTests",
            dependencies: ["HostSystem", "AgentTestSupport"],
            swiftSettings: testSettings
        ),
        .testTarget(name: "LogShippingTests", dependencies: ["LogShipping", "ECSModel", "AgentTestSupport"], swiftSettings: testSettings),
        .testTarget(name: "AWSSupportTests", dependencies: ["AWSSupport", "AgentTestSupport"], swiftSettings: testSettings),
        .testTarget(
            name: "LocalControlPlaneTests",
            dependencies: [
                "LocalControlPlane", "AWSSupport", "AgentTestSupport", "ControlPlaneClient",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "ControlPlaneClientTests",
            dependencies: ["ControlPlaneClient", "StateStore", "AWSSupport", "ECSModel", "AgentTestSupport"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "EndpointsTests",
            dependencies: ["Endpoints", "TaskEngine", "ECSModel", "AgentTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: testSettings
        ),
        .testTarget(name: "TaskEngineTests", dependencies: ["TaskEngine", "ECSModel", "AgentTestSupport"], swiftSettings: testSettings),
        .testTarget(
            name: "StateStoreTests",
            dependencies: ["StateStore", "AgentTestSupport"],
            swiftSettings: testSettings
        ),
        .testTarget(
            name: "AgentRuntimeTests",
            dependencies: ["AgentRuntime", "AgentTestSupport", "ECSModel"],
            swiftSettings: testSettings
        ),
    ]
)
