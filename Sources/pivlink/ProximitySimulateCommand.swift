import ArgumentParser
import Proximity
import ProximitySimulation

/// `pivlink proximity simulate`: pivlink's policy and the four anchors on the same seeded traces.
struct ProximitySimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Score pivlink's walk-away policy and four shipped tools' rules on simulated traces.",
        discussion: """
            Traces come from the channel model of research/proximity.md §2 (log-distance path loss, per-device \
            offset, AR(1) shadowing, Rician/Rayleigh fading, body blockage while walking away, posture changes \
            while seated, link drops). Time-to-lock runs from the holder passing 3 m; false locks are counted over \
            seated 8-hour days. Targets: median ≤ 1.5 s, p95 ≤ 5 s, ≤ 0.05 false locks per 8 h.
            """
    )

    @Option(help: "Walk-away traces to score under each seed.")
    var walkaways = 200

    @Option(help: "Seated 8-hour days to score under each seed.")
    var days = 60

    @Option(help: "The seed; the same seed gives the same traces. Repeat it to pool several seeds' traces.")
    var seed: [UInt64] = [1]

    @Flag(help: "Also score pivlink's policy on the variant channel models (other rooms, offsets, rates, adverts).")
    var variants = false

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(walkaways) else { throw ValidationError("--walkaways must be from 1 to 100000") }
        guard (1...10_000).contains(days) else { throw ValidationError("--days must be from 1 to 10000") }
        guard seed.count <= 100 else { throw ValidationError("--seed may be given at most 100 times") }
    }

    func run() {
        let cards = Scorer(model: .standard, walkAways: walkaways, days: days, seeds: seed).score(Scorer.policies())
        var variantCards: [Scorecard] = []
        if variants {
            let policy = StationPolicy()
            for model in ChannelModel.variants {
                variantCards += Scorer(model: model, walkAways: walkaways, days: days, seeds: seed).score([policy])
            }
        }
        if json {
            for card in cards + variantCards { print(ScoreTable.json(card)) }
            return
        }
        let seeds = seed.map(String.init).joined(separator: ", ")
        let counts = "\(walkaways) walk-aways and \(days) seated 8-hour days each"
        print("pivlink proximity simulate: seed\(seed.count == 1 ? "" : "s") \(seeds), \(counts), model standard")
        print(ScoreTable.text(cards, firstColumn: "policy", label: \.policy))
        if variants {
            print("")
            print("pivlink's policy on variant models (same seeds and counts):")
            print(ScoreTable.text(variantCards, firstColumn: "model", label: \.model))
        }
        print("")
        print("Targets: median ≤ 1.5 s and p95 ≤ 5 s from passing 3 m to the lock; ≤ 0.05 false locks per 8 h seated.")
    }
}
