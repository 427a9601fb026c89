// swift-tools-version: 6.1
// pivlink: a derived PIV credential served as a smart card (see README.md and ARCHITECTURE in the docs).
import PackageDescription

// Every Swift target builds in the Swift 6 language mode (the tools-version default) with strict
// concurrency checking; warnings about it are errors in CI through `-warnings-as-errors` in scripts/test.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pivlink",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pivlink-card", targets: ["pivlink-card"]),
        .executable(name: "pivlink-station", targets: ["pivlink-station"]),
        .executable(name: "pivlink", targets: ["pivlink"]),
        .executable(name: "pivlink-bench", targets: ["pivlink-bench"]),
        // Libraries exported for the fuzz package in Fuzz/, which links them with -sanitize=fuzzer.
        .library(name: "APDU", targets: ["APDU"]),
        .library(name: "PIVCard", targets: ["PIVCard"]),
        .library(name: "VPCD", targets: ["VPCD"]),
        .library(name: "Link", targets: ["Link"]),
        .library(name: "Noise", targets: ["Noise"]),
        .library(name: "Pairing", targets: ["Pairing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // station.conf: YAML read into Codable types (C libyaml plus Swift, no further dependencies).
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: C modules over system libraries
        .target(
            name: "COpenSSL",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd"),
        .systemLibrary(name: "CPCSCLite", pkgConfig: "libpcsclite"),
        .systemLibrary(name: "CBluetooth", pkgConfig: "bluez"),

        // MARK: pure cores
        .target(
            name: "CardCrypto",
            dependencies: [
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "APDU", swiftSettings: swiftSettings),
        .target(
            name: "PIVCard",
            dependencies: [
                "APDU", "CardCrypto",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "VPCD", swiftSettings: swiftSettings),
        // The link protocol, and the secure channel (Noise) every link message travels in.
        .target(
            name: "Link", dependencies: ["Noise", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The pairing ceremony, pairing lists and private advertising tokens (docs/pairing-protocol.md).
        .target(
            name: "Pairing",
            dependencies: ["CardCrypto", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Noise_IK_25519_ChaChaPoly_SHA256 and pivlink's record layer over it; swift-crypto only, keys injected.
        .target(
            name: "Noise", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(name: "Proximity", swiftSettings: swiftSettings),
        // The channel model of research/proximity.md §2, trace generation and scoring against the anchors.
        .target(name: "ProximitySimulation", dependencies: ["Proximity"], swiftSettings: swiftSettings),

        // MARK: shells
        .target(name: "CredentialStore", dependencies: ["CardCrypto"], swiftSettings: swiftSettings),
        .target(name: "EventLoop", dependencies: ["CSystemd"], swiftSettings: swiftSettings),
        // sd-bus vtables are C structs with bitfields and unions that Swift cannot build: a small C target
        // holds them and calls back into Swift through trampolines.
        .target(name: "CSDBusVTable", linkerSettings: [.linkedLibrary("systemd")]),
        .target(name: "DBus", dependencies: ["CSystemd", "CSDBusVTable", "EventLoop"], swiftSettings: swiftSettings),
        .target(name: "BlueZ", dependencies: ["DBus", "EventLoop"], swiftSettings: swiftSettings),
        .target(name: "StationCore", dependencies: ["APDU", "Link"], swiftSettings: swiftSettings),
        .target(
            name: "StationDaemon",
            dependencies: [
                "StationCore", "Link", "BlueZ", "DBus", "EventLoop", "VPCD", "CardDaemon", "APDU", "Proximity",
                "ProximitySimulation", "CBluetooth", "Pairing", "CredentialStore", "CardCrypto",
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CardDaemon",
            dependencies: [
                "PIVCard", "CredentialStore", "VPCD", "EventLoop", "Link", "BlueZ", "DBus", "Pairing", "CardCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pivlink-card",
            dependencies: [
                "CardDaemon", "CredentialStore", "PIVCard", "EventLoop", "CardCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pivlink-station",
            dependencies: [
                "StationDaemon", "EventLoop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pivlink",
            dependencies: [
                "Proximity", "ProximitySimulation", "StationDaemon", "DBus", "EventLoop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pivlink-bench",
            dependencies: [
                "PIVCard", "CardCrypto", "APDU", "CPCSCLite", "Link", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: tests
        // Helpers the test targets share (hex literals, a seeded RandomSource); not a product.
        .target(
            name: "PivlinkTesting",
            dependencies: ["CardCrypto", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/PivlinkTesting",
            swiftSettings: swiftSettings
        ),
        // The private dbus-daemon and child-process fixtures of the tests that talk D-Bus; not a product.
        .target(
            name: "BusTesting", dependencies: ["EventLoop", "CSystemd", "DBus"], path: "Tests/BusTesting",
            swiftSettings: swiftSettings
        ),
        // A temporary directory with its own systemd-creds secret, for the tests of sealed stores; not a product.
        .target(
            name: "StoreTesting", dependencies: ["CredentialStore"], path: "Tests/StoreTesting",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "APDUTests", dependencies: ["APDU", "PivlinkTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CardCryptoTests",
            dependencies: [
                "CardCrypto", "PivlinkTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PIVCardTests",
            dependencies: [
                "PIVCard", "APDU", "CardCrypto", "PivlinkTesting",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CredentialStoreTests",
            dependencies: ["CredentialStore", "CardCrypto", "StoreTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BlueZTests", dependencies: ["BlueZ", "DBus", "EventLoop", "BusTesting", "PivlinkTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StationCoreTests", dependencies: ["StationCore", "APDU", "Link", "PIVCard", "PivlinkTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LinkTests", dependencies: ["Link", "PivlinkTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PairingTests",
            dependencies: ["Pairing", "CardCrypto", "PivlinkTesting", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NoiseTests",
            dependencies: ["Noise", "PivlinkTesting", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DBusTests", dependencies: ["DBus", "EventLoop", "BusTesting", "PivlinkTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop"], swiftSettings: swiftSettings),
        .testTarget(name: "VPCDTests", dependencies: ["VPCD", "PivlinkTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProximityTests", dependencies: ["Proximity", "ProximitySimulation"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CardDaemonTests",
            dependencies: [
                "CardDaemon", "PIVCard", "Pairing", "CredentialStore", "CardCrypto", "PivlinkTesting", "BusTesting",
                "DBus", "EventLoop", "Link", "StoreTesting", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StationDaemonTests",
            dependencies: [
                "StationDaemon", "BlueZ", "DBus", "EventLoop", "Proximity", "ProximitySimulation", "BusTesting", "PivlinkTesting",
                "Link", "Pairing", "CardCrypto", "StoreTesting", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
