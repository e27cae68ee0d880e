// swift-tools-version:6.0
// SQLite access benchmark for mqlgate's storage layer: GRDB vs direct
// libsqlite3 calls, both driving the same group-commit writer.
// It is not part of mqlgate. Run it with ./run.sh.
import PackageDescription

let package = Package(
    name: "sqlite-access",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The system libsqlite3 (libsqlite3-dev); GRDB links the same library.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Workload, writer thread, producers and statistics: no SQLite here.
        .target(name: "BenchCore"),
        .target(name: "RawStore", dependencies: ["BenchCore", "CSQLite"]),
        .target(
            name: "GRDBStore",
            dependencies: ["BenchCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "SQLiteAccessBench",
            dependencies: ["BenchCore", "RawStore", "GRDBStore"]
        ),
    ]
)
