// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "metapipe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "metapipe", targets: ["metapipe"]),
        .library(name: "MetaStats", targets: ["MetaStats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Cairo + Pango, found with pkg-config, and zlib (for PNG files). Only MetaPlot imports it.
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev", "zlib1g-dev"])]
        ),
        // Effect sizes, distributions, pooling, heterogeneity, subgroups, sensitivity, bias tests.
        // Pure values in, values out.
        .target(name: "MetaStats"),
        // Number formatting shared by the plots and the report.
        .target(name: "MetaFormat"),
        // The one CSV front end (SwiftCSV): bytes -> header and rows, each with its line.
        .target(name: "MetaTables", dependencies: ["MetaFormat", .product(name: "SwiftCSV", package: "SwiftCSV")]),
        // RevMan 5 (.rm5) files and RevMan Web data packages.
        .target(name: "MetaRevMan", dependencies: ["MetaStats", "MetaTables"]),
        // YAML + CSV / .xlsx sheets -> a validated pipeline, with file:line:column diagnostics.
        .target(name: "MetaPipeline", dependencies: [
            "MetaStats", "MetaFormat", "MetaTables", "MetaRevMan", "Yams",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // Generic stage graph, content-hash cache and Dispatch executor; knows nothing of statistics.
        .target(name: "MetaRunner", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Forest, funnel and leave-one-out plots: layouts as data, drawn through Cairo.
        .target(name: "MetaPlot", dependencies: ["MetaStats", "MetaFormat", "CCairo"]),
        // result.json, CSV tables, index.html and README.md.
        .target(name: "MetaReport", dependencies: ["MetaStats", "MetaFormat"]),
        // The stages of a pipeline, wired from the modules above.
        .target(name: "MetaEngine", dependencies: [
            "MetaStats", "MetaPipeline", "MetaRunner", "MetaPlot", "MetaReport", "MetaRevMan",
        ]),
        // Times statistical tasks in-process for bench/run (make bench).
        .executableTarget(name: "metapipe-bench", dependencies: ["MetaStats", "MetaPlot"]),
        // The thin CLI.
        .executableTarget(name: "metapipe", dependencies: [
            "MetaEngine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tolerances, fixture loading and a seeded generator shared by the test suites.
        .target(name: "MetaTestSupport", dependencies: ["MetaTables"], path: "Tests/MetaTestSupport"),
        .testTarget(name: "MetaStatsTests", dependencies: ["MetaStats", "MetaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MetaPlotTests", dependencies: ["MetaPlot", "MetaStats", "MetaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MetaPipelineTests", dependencies: [
            "MetaPipeline", "MetaTables", "MetaTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "MetaTablesTests", dependencies: ["MetaTables", .product(name: "SwiftCSV", package: "SwiftCSV")]),
        .testTarget(name: "MetaRunnerTests", dependencies: ["MetaRunner"]),
        .testTarget(name: "MetaRevManTests", dependencies: ["MetaRevMan"], resources: [.copy("Fixtures")]),
        .testTarget(name: "MetaReportTests", dependencies: ["MetaReport", "MetaFormat", "MetaStats"]),
        .testTarget(name: "MetaEngineTests", dependencies: ["MetaEngine", "MetaPipeline", "MetaRunner"]),
        // Runs the built `metapipe` binary on fixture pipelines.
        .testTarget(name: "EndToEndTests", dependencies: ["metapipe", "MetaStats", "MetaTestSupport"], resources: [.copy("Fixtures")]),
    ]
)
