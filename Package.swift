// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "metapipe",
    platforms: [.macOS(.v13)],
    products: [

        .library(name: "MetaStats", targets: ["MetaStats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // Cairo + Pango, found with pkg-config. Only MetaPlot imports it.
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]
        ),
        // Effect sizes, distributions, pooling, heterogeneity, subgroups, sensitivity, bias tests.
        .target(name: "MetaStats"),
        // Tolerances, fixture loading and a seeded generator shared by the test suites.
        .target(name: "MetaTestSupport", path: "Tests/MetaTestSupport"),
        .testTarget(name: "MetaStatsTests", dependencies: ["MetaStats", "MetaTestSupport"], resources: [.copy("Fixtures")]),
    ]
)
