// swift-tools-version: 6.1
// libFuzzer targets for pivlink's parsers and card. Not part of the main build: scripts/fuzz builds them with
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=address \
//     -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,inline-8bit-counters,pc-table \
//     -Xlinker <toolchain>/lib/clang/<version>/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a -Xlinker -lstdc++
// The flags go on the command line, not in the targets, so that the parent package's modules are instrumented
// too. Not `-sanitize=fuzzer -parse-as-library`: that links libFuzzer's own `main`, and SwiftPM links every
// executable with `--defsym main=<Module>_main`, a symbol -parse-as-library never emits (swiftlang/swift#75800).
// So each executable keeps Swift's main and starts libFuzzer with `LLVMFuzzerRunDriver` (FuzzSupport).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pivlink-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "pivlink", path: ".."),
        // For the fixture's X25519 keys; the version the parent package resolves (scripts/fuzz copies Package.resolved).
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzAPDU",
            dependencies: ["FuzzSupport", .product(name: "APDU", package: "pivlink")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzCard",
            dependencies: [
                "FuzzSupport",
                .product(name: "APDU", package: "pivlink"),
                .product(name: "PIVCard", package: "pivlink"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzVPCD",
            dependencies: ["FuzzSupport", .product(name: "VPCD", package: "pivlink")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzLink",
            dependencies: ["FuzzSupport", .product(name: "Link", package: "pivlink")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzSecureLink",
            dependencies: [
                "FuzzSupport",
                .product(name: "Link", package: "pivlink"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzNoise",
            dependencies: [
                "FuzzSupport",
                .product(name: "Noise", package: "pivlink"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzPairing",
            dependencies: ["FuzzSupport", .product(name: "Pairing", package: "pivlink")],
            swiftSettings: swiftSettings
        ),
    ]
)
