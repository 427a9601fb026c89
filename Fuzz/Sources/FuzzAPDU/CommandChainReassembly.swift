import APDU
import FuzzSupport

/// A command split into links (CLA bit 0x10 on all but the last) comes out of `CommandChainAssembler` whole,
/// with the last link's Le; a link with another header abandons the chain and stands on its own.
///
/// Input: one byte of link size (1...256), one byte choosing whether to interrupt the chain, then a command.
enum CommandChainReassembly {
    private static let maximumLength = 1 << 16

    static func check(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        let linkSize = Int(reader.byte()) + 1
        let interruption = reader.byte()
        guard let command = try? CommandAPDU(parsing: reader.bytes(upTo: bytes.count)), command.cla & 0x10 == 0
        else { return }
        var links: [CommandAPDU] = stride(from: 0, to: max(command.data.count, 1), by: linkSize).map { offset in
            var link = command
            link.data = Array(command.data[offset..<min(command.data.count, offset + linkSize)])
            link.cla |= 0x10
            link.le = nil
            return link
        }
        links[links.count - 1].cla = command.cla
        links[links.count - 1].le = command.le
        var assembler = CommandChainAssembler(maximumLength: maximumLength)
        if interruption & 1 == 1, links.count > 1 {
            var stray = links[0]
            stray.p2 &+= 1
            invariant(assembler.receive(stray) == .awaitingMore, "a chained link was not buffered")
        }
        for link in links.dropLast() {
            invariant(assembler.receive(link) == .awaitingMore, "a chained link was not buffered")
        }
        let outcome = assembler.receive(links[links.count - 1])
        invariant(outcome == .complete(command), "chain of \(links.count) links gave \(outcome), not the command")
        invariant(!assembler.isOpen, "assembler still open after the last link")
    }
}
