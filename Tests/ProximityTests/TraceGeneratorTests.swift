import Proximity
import ProximitySimulation
import Testing

@Suite struct TraceGeneratorTests {
    let generator = TraceGenerator(model: .standard)

    @Test func theSameSeedGivesTheSameTraceAndAnotherSeedAnother() {
        #expect(generator.walkAway(seed: 3, index: 5) == generator.walkAway(seed: 3, index: 5))
        #expect(generator.walkAway(seed: 3, index: 5) != generator.walkAway(seed: 4, index: 5))
        #expect(generator.walkAway(seed: 3, index: 5) != generator.walkAway(seed: 3, index: 6))
    }

    @Test func aWalkAwayFallsFarBelowItsSeatedLevelOrLosesTheLink() throws {
        for index in 0..<20 {
            let trace = generator.walkAway(seed: 1, index: index)
            let walk = try #require(trace.walkStartsAt)
            let passes = try #require(trace.passesThreeMetresAt)
            #expect(passes > walk && passes < walk + 3)
            let seated = trace.samples.filter { $0.time > walk - 60 && $0.time < walk }.compactMap(\.rssi)
            let late = trace.samples.filter { $0.time > passes + 5 }
            let seatedMedian = seated.sorted()[seated.count / 2]
            #expect(late.allSatisfy { $0.rssi.map { $0 < seatedMedian - 10 } ?? true })
        }
    }

    @Test func aSeatedDayLastsEightHoursAtTheSampleRate() throws {
        let trace = generator.seatedDay(seed: 1, index: 0)
        #expect(trace.duration == 8 * 3600)
        #expect(abs(Double(trace.samples.count) - 8 * 3600 * ChannelModel.standard.sampleRate) <= 1)
        #expect(trace.samples.contains { $0.rssi == nil })
        let levels = trace.samples.compactMap(\.rssi)
        #expect(levels.allSatisfy { (-127.0 ... 0).contains($0) })
    }

    @Test func advertisementTracesHaveNoLinkGaps() {
        var model = ChannelModel(name: "adverts")
        model.source = .advertisement
        model.sampleRate = 3
        let trace = TraceGenerator(model: model).walkAway(seed: 1, index: 0)
        #expect(trace.source == .advertisement)
        #expect(trace.samples.allSatisfy { $0.rssi != nil })
    }
}
