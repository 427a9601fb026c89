import Proximity
import ProximitySimulation

/// The replay's output events: the engine's actions per instant, a state event at the first sample, and of
/// several state changes at one instant only the last.
struct ReplayEvent: Hashable {
    enum Kind: Hashable {
        case state(PresenceState, detail: String)
        case lock(detail: String)
        case cardRemoved
        case cardPresented
    }

    var time: Double
    var kind: Kind

    var json: String {
        let t = ScoreTable.decimal(time, places: 3)
        switch kind {
        case .state(let state, _): return "{\"t\":\(t),\"event\":\"state\",\"state\":\"\(state.rawValue)\"}"
        case .lock: return "{\"t\":\(t),\"event\":\"lock\"}"
        case .cardRemoved: return "{\"t\":\(t),\"event\":\"card-removed\"}"
        case .cardPresented: return "{\"t\":\(t),\"event\":\"card-presented\"}"
        }
    }
}

enum ReplayEvents {
    static func events(of actions: [EngineReplay.TimedAction], trace: Trace) -> [ReplayEvent] {
        var events: [ReplayEvent] = []
        var shownState: PresenceState?
        var index = 0
        while index < actions.count {
            let instant = (actions[index].sample, actions[index].time)
            var group: [EngineReplay.TimedAction] = []
            while index < actions.count, (actions[index].sample, actions[index].time) == instant {
                group.append(actions[index])
                index += 1
            }
            if shownState == nil, instant.0 > 0, let first = trace.samples.first {
                // Nothing happened at the first sample: the engine is still in its initial state.
                events.append(ReplayEvent(time: first.time, kind: .state(ProximityEngine().state, detail: "")))
                shownState = ProximityEngine().state
            }
            var others: [ReplayEvent] = []
            var lastState: (PresenceState, PresenceReason)?
            for timed in group {
                switch timed.action {
                case .stateChanged(let state, let reason): lastState = (state, reason)
                case .lock(let reason): others.append(ReplayEvent(time: timed.time, kind: .lock(detail: reason.description)))
                case .removeCard: others.append(ReplayEvent(time: timed.time, kind: .cardRemoved))
                case .presentCard: others.append(ReplayEvent(time: timed.time, kind: .cardPresented))
                case .armTimer, .disarmTimer: continue
                }
            }
            if let (state, reason) = lastState, state != shownState {
                events.append(ReplayEvent(time: instant.1, kind: .state(state, detail: reason.description)))
                shownState = state
            }
            events += others
        }
        if shownState == nil, let first = trace.samples.first {
            events.insert(ReplayEvent(time: first.time, kind: .state(ProximityEngine().state, detail: "")), at: 0)
        }
        return events
    }

    static func table(_ events: [ReplayEvent]) -> String {
        let rows = events.map { event -> [String] in
            let t = ScoreTable.decimal(event.time, places: 3)
            switch event.kind {
            case .state(let state, let detail): return [t, "state", state.rawValue, detail]
            case .lock(let detail): return [t, "lock", "", detail]
            case .cardRemoved: return [t, "card-removed", "", ""]
            case .cardPresented: return [t, "card-presented", "", ""]
            }
        }
        let header = ["t (s)", "event", "state", "why"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            zip(cells, widths).map { $0.leftAligned($1) }.joined(separator: "  ").trailingSpacesRemoved
        }.joined(separator: "\n")
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
