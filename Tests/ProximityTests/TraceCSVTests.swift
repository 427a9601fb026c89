import ProximitySimulation
import Testing

@Suite struct TraceCSVTests {
    @Test func readsSamplesLinkDownAndExtraColumns() throws {
        let trace = try TraceCSV.parse("t,rssi,distance\r\n0,-60,0.7\r\n0.5,,0.7\n1.0, -61.5 ,1\n\n")
        #expect(trace.samples == [
            .init(time: 0, rssi: -60), .init(time: 0.5, rssi: nil), .init(time: 1, rssi: -61.5),
        ])
        #expect(trace.duration == 1)
    }

    @Test(arguments: [
        ("", "line 1"),
        ("time,rssi\n0,-60", "line 1"),
        ("t,rssi\n0,-60\nabc,-60", "line 3"),
        ("t,rssi\n0,-60\n1,loud", "line 3"),
        ("t,rssi\n0,-60\n1,-300", "line 3"),
        ("t,rssi\n2,-60\n1,-60", "line 3"),
        ("t,rssi\n0", "line 2"),
        ("t,rssi\n", "no samples"),
        ("t,rssi\n-1,-60", "line 2"),
    ])
    func badInputNamesTheLine(text: String, expected: String) {
        do {
            _ = try TraceCSV.parse(text, source: "trace.csv")
            Issue.record("parsed \(text.debugDescription)")
        } catch {
            #expect(error.code == .invalidTrace)
            #expect(error.detail.contains(expected))
            #expect(error.detail.hasPrefix("trace.csv"))
            #expect(!error.detail.contains("\n"))
        }
    }
}
