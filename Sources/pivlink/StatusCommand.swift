import ArgumentParser
import StationDaemon

/// `pivlink status`: the station's state at a glance, or as one JSON object.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the station's state: presence, signal, link, card, auto-lock and the last lock.",
        discussion: """
            Reads org.pivlink.Station1 on the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured); members of the \
            pivlink group may. Exits 3 when the station is not running.
            """
    )

    @Flag(help: "Print one JSON object whose keys are the D-Bus property names (RSSI null when not heard).")
    var json = false

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            let properties = try client.properties()
            let status: StationStatus
            do throws(StationDaemonError) {
                status = try StationBusProperty.status(from: properties)
            } catch {
                throw StationClientFailure(error.detail, status: 1)
            }
            print(json ? StatusReport.json(properties) : StatusReport.lines(status, nowMicroseconds: StatusReport.nowMicroseconds()))
        }
    }
}
