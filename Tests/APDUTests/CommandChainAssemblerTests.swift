import PivlinkTesting
import Testing
@testable import APDU

struct CommandChainAssemblerTests {
    @Test func joinsTheLinksOfAChain() throws {
        var assembler = CommandChainAssembler(maximumLength: 1024)
        #expect(assembler.receive(try CommandAPDU(parsing: hex("10 87 07 9A 02 7C 82"))) == .awaitingMore)
        #expect(assembler.isOpen)
        let last = assembler.receive(try CommandAPDU(parsing: hex("00 87 07 9A 02 01 00 00")))
        #expect(last == .complete(CommandAPDU(ins: 0x87, p1: 0x07, p2: 0x9A, data: hex("7C 82 01 00"), le: 256)))
        #expect(!assembler.isOpen)
    }

    @Test func anInterruptingCommandDropsTheChainAndStandsAlone() throws {
        var assembler = CommandChainAssembler(maximumLength: 1024)
        _ = assembler.receive(try CommandAPDU(parsing: hex("10 DB 3F FF 02 5C 03")))
        let interrupting = try CommandAPDU(parsing: hex("00 CB 3F FF 03 5C 01 7E"))
        #expect(assembler.receive(interrupting) == .complete(interrupting))
        #expect(!assembler.isOpen)
    }

    @Test func oversizeChainsAreRejectedAndDropped() throws {
        var assembler = CommandChainAssembler(maximumLength: 300)
        let link = CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: .init(repeating: 0, count: 200))
        #expect(assembler.receive(link) == .awaitingMore)
        #expect(assembler.receive(link) == .rejected(.notEnoughMemory))
        #expect(!assembler.isOpen)
    }
}
