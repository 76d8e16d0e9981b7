// swift-tools-version:6.1
// clvbench: a benchmark suite and leaderboard generator for continual vision-language learning.
// The target graph follows DESIGN.md section 2; arrows point one way.
import PackageDescription

let package = Package(
    name: "clvbench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "clvbench", targets: ["clvbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System libraries. `providers` makes a missing package fail with the apt-get line that fixes it.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]),
        .systemLibrary(
            name: "CSQLite3", path: "Sources/CSQLite3", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CFreeType", path: "Sources/CFreeType", pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),

        // prctl(PR_SET_CHILD_SUBREAPER) for containing external methods' descendants (no library to link).
        .systemLibrary(name: "CProcessControl", path: "Sources/CProcessControl"),

        .target(name: "Linalg", dependencies: ["CBLAS"]),
        .target(name: "Analysis", dependencies: ["Linalg"]),
        .target(name: "Model", dependencies: ["Linalg"]),
        .target(name: "Continual", dependencies: ["Model", "Linalg"]),
        .target(name: "ResultStore", dependencies: ["Analysis", "CSQLite3", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Report", dependencies: ["ResultStore", "Analysis", "Linalg", "CLibXML2"]),
        .target(name: "Harness", dependencies: ["Continual", "Model", "Environments", "Analysis", "ResultStore", "Linalg", "Yams", "CProcessControl",
                                             .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Environments", dependencies: ["Linalg", "CZlib", "CFreeType", "CPNG", "CJPEG"]),
        // Performance figures for `clvbench bench`; lives beside the benchmark suites.
        .target(name: "Benchmarks", dependencies: ["Linalg", "Environments", "Model", "Continual", "Analysis", "Harness", "ResultStore", "Report"], path: "benchmarks/perf",
                exclude: ["README.md", "peer_numpy.py", "minilm_numpy.py"]),

        .executableTarget(
            name: "clvbench",
            dependencies: [
                "Linalg", "Analysis", "Environments", "Model", "Continual", "Harness", "ResultStore", "Report", "Benchmarks", "CSQLite3", "CLibXML2",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Linalg"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "ResultStoreTests", dependencies: ["ResultStore", "Analysis", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "ResultStore", "Analysis", "Linalg", "CLibXML2"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness", "ResultStore", "Continual", "Model", "Environments", "Analysis", "Linalg"],
                    exclude: ["BadSuites"]),
        .testTarget(name: "ContinualTests", dependencies: ["Continual", "Model", "Linalg"]),
        .testTarget(name: "EnvironmentsTests", dependencies: ["Environments", "Linalg"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks"]),
        .testTarget(name: "CLITests", dependencies: ["clvbench", "Analysis", "Linalg", "Environments"], exclude: ["Fixtures"]),
    ]
)
