/// Stops the run when a property the code under test promises does not hold. The trap makes libFuzzer save the
/// input as a crash artifact; the message says which property failed.
public func invariant(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        fatalError("invariant violated: \(message())", file: file, line: line)
    }
}
