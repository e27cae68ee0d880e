// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mqlgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mqlgate", targets: ["mqlgate"]),
        // The scoring library other Swift services can import: pure, no I/O.
        .library(name: "LeadScoring", targets: ["LeadScoring"]),
        // The HTTP/1.1 server, usable on its own: it knows nothing of leads.
        .library(name: "HTTP1", targets: ["HTTP1"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries, each wrapped by a small target.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Glibc's Swift module does not export epoll/eventfd; this shim does.
        .target(name: "CEpoll"),
        // SQLite's page cache with a cheaper end-of-transaction truncation (see its header).
        .target(name: "CSQLitePageCache", dependencies: ["CSQLite"]),
        // SQLite's default VFS, writing each commit's WAL frames in one call (see its header).
        .target(name: "CSQLiteWALBuffer", dependencies: ["CSQLite"]),

        .target(
            name: "HTTP1",
            dependencies: ["CEpoll", "COpenSSL", "CZlib"]
        ),
        .target(
            name: "LeadScoring",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The service: configuration, storage, ingestion, API, delivery.
        .target(
            name: "MQLGate",
            dependencies: [
                "HTTP1",
                "LeadScoring",
                "CSQLite",
                "CSQLitePageCache",
                "CSQLiteWALBuffer",
                "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "mqlgate",
            dependencies: [
                "HTTP1",
                "LeadScoring",
                "MQLGate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Release-mode benchmark of the scoring library: `swift run -c release scoring-bench`.
        .executableTarget(name: "scoring-bench", dependencies: ["LeadScoring"]),

        // Raw-socket client shared by the server and service tests.
        .target(name: "HTTPTestSupport", path: "Tests/HTTPTestSupport"),

        .testTarget(
            name: "HTTP1Tests",
            dependencies: ["HTTP1", "HTTPTestSupport", "COpenSSL", "CZlib"]
        ),
        .testTarget(
            name: "MQLGateTests",
            dependencies: [
                "MQLGate", "HTTP1", "LeadScoring", "HTTPTestSupport",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "LeadScoringTests",
            dependencies: [
                "LeadScoring",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
