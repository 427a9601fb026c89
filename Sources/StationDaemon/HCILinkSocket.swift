import CBluetooth

#if canImport(Glibc)
import Glibc
#endif

/// A raw HCI socket on one adapter (libbluetooth's `hci_open_dev`), non-blocking, filtered to the controller's
/// answers to Read RSSI, with the handle of the kernel's LE connection to one device (HCIGETCONNINFO). Thin: bytes
/// out and in, which `HCIReadRSSI` builds and parses. Closed on release.
///
/// None of it needs a capability (net/bluetooth/hci_sock.c): creating and binding a raw HCI socket and
/// HCIGETCONNINFO are open to any process, the filter of a socket without CAP_NET_RAW is cut down to
/// `hci_sec_filter`'s events (Command Complete and Command Status are in it), and a command from such a socket
/// passes when `hci_sec_filter` lists it, as it does Read RSSI (OGF 0x05, OCF mask 0xea). Bluetooth sockets exist
/// only in the initial network namespace (`bt_sock_create`).
final class HCILinkSocket {
    /// The outcome of `open`: the socket, or why there is none, as one line.
    enum Opening {
        case opened(HCILinkSocket)
        case failed(String)
    }

    /// What a read got.
    enum Received {
        case packet([UInt8])
        /// Nothing more to read now.
        case drained
        case failed(String)
    }

    let fileDescriptor: Int32
    /// The LE connection's handle.
    let handle: UInt16

    private init(fileDescriptor: Int32, handle: UInt16) {
        self.fileDescriptor = fileDescriptor
        self.handle = handle
    }

    deinit {
        close(fileDescriptor)
    }

    /// Opens a socket on `address`'s adapter and finds the LE connection to the device.
    static func open(_ address: HCIDeviceAddress) -> Opening {
        let adapter = "hci\(address.adapterIndex)"
        let descriptor = hci_open_dev(Int32(address.adapterIndex))
        guard descriptor >= 0 else {
            let number = errno
            let hint = number == EAFNOSUPPORT ? " (this kernel has no Bluetooth, or the process is in another network namespace)" : ""
            return .failed("cannot open \(adapter)'s HCI socket: \(reason(number))\(hint)")
        }
        var filter = hci_filter()
        hci_filter_clear(&filter)
        hci_filter_set_ptype(HCI_EVENT_PKT, &filter)
        hci_filter_set_event(EVT_CMD_COMPLETE, &filter)
        hci_filter_set_event(EVT_CMD_STATUS, &filter)
        // The kernel compares the filter's opcode with the event's bytes as they came off the wire (little-endian).
        hci_filter_set_opcode(Int32(HCIReadRSSI.opcode.littleEndian), &filter)
        var handle: UInt16 = 0
        var bdaddr = bdaddr_t(b: (address.bytes[0], address.bytes[1], address.bytes[2], address.bytes[3], address.bytes[4], address.bytes[5]))
        let failure: String
        if setsockopt(descriptor, SOL_HCI, HCI_FILTER, &filter, socklen_t(MemoryLayout<hci_filter>.size)) < 0 {
            failure = "cannot filter \(adapter)'s HCI socket: \(reason(errno))"
        } else if fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) < 0 {
            failure = "cannot make \(adapter)'s HCI socket non-blocking: \(reason(errno))"
        } else if pivlink_hci_le_connection_handle(descriptor, &bdaddr, &handle) < 0 {
            let number = errno
            failure = number == ENOENT
                ? "the kernel has no LE connection to \(address) (HCIGETCONNINFO)"
                : "cannot look up the LE connection to \(address) (HCIGETCONNINFO): \(reason(number))"
        } else {
            // The kernel hands the handle over in host order (hci_conn_info); HCIReadRSSI puts it on the wire.
            return .opened(HCILinkSocket(fileDescriptor: descriptor, handle: handle))
        }
        close(descriptor)
        return .failed(failure)
    }

    /// Writes one command packet; returns why it failed, or nil.
    func send(_ packet: [UInt8]) -> String? {
        let written = packet.withUnsafeBytes { write(fileDescriptor, $0.baseAddress, $0.count) }
        if written == packet.count { return nil }
        return written < 0 ? "writing Read RSSI: \(Self.reason(errno))" : "writing Read RSSI: \(written) of \(packet.count) bytes"
    }

    /// Reads one packet, if one is waiting.
    func receive() -> Received {
        var buffer = [UInt8](repeating: 0, count: Int(HCI_MAX_EVENT_SIZE) + 1)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return .packet(Array(buffer[..<count])) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .drained
            case let number: return .failed("reading the HCI socket: \(Self.reason(number))")
            }
        }
    }

    private static func reason(_ number: Int32) -> String {
        String(cString: strerror(number))
    }
}
