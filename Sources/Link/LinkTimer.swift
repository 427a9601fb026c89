/// The one timer a state machine asks its shell for. The machine says where its earliest deadline is after each
/// call; this turns that into an arm or disarm only when it moved, so the shell's timer calls stay few.
struct LinkTimer: Sendable {
    enum Change: Hashable, Sendable {
        case arm(Duration)
        case disarm
    }

    private(set) var deadline: Duration?

    mutating func move(to deadline: Duration?) -> Change? {
        guard deadline != self.deadline else { return nil }
        self.deadline = deadline
        return deadline.map(Change.arm) ?? .disarm
    }
}
