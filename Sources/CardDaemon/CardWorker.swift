import Dispatch
import EventLoop
import Link
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Works out the card's answers to link requests on a thread of its own, one at a time, and hands each answer
/// back on the event loop. The loop meanwhile keeps the link alive: it sends the keepalives the link protocol
/// promises at least every 500 ms while the card works (an RSA-4096 key takes seconds to generate on a slow
/// device, longer than the station waits in silence), and keeps watching bluetoothd.
///
/// Exclusive access to the card: the worker thread touches it only while an answer is outstanding (`isBusy`),
/// and the owner touches it on the loop's thread only while `isBusy` is false (it defers what the card must hear
/// until then). `isBusy` turns false on the loop's thread only after the worker has published its answer under
/// the mailbox's mutex, so everything the worker wrote happens before the loop's next use of the card.
final class CardWorker {
    /// The card, sent to the worker's thread for the duration of one answer; see the type's comment for why no
    /// two threads ever use it at once.
    private struct CardAccess: @unchecked Sendable {
        let adapter: LinkCardAdapter
    }

    /// What the worker thread shares with the loop: finished answers and a socket pair whose bytes wake the loop. The
    /// worker's job holds it too, so the descriptors outlive a job still running when its owner is gone.
    private final class Mailbox: Sendable {
        let answers = Mutex<[LinkMessage]>([])
        /// The loop reads `wakeup[0]`; the worker writes a byte to `wakeup[1]` after each answer.
        let wakeup: [Int32]

        init(wakeup: [Int32]) {
            self.wakeup = wakeup
        }

        deinit {
            close(wakeup[0])
            close(wakeup[1])
        }

        func post(_ answer: LinkMessage) {
            answers.withLock { $0.append(answer) }
            var byte: UInt8 = 1
            // One answer at a time leaves at most one byte unread, far below the socket's buffer.
            _ = write(wakeup[1], &byte, 1)
        }

        /// Empties the socket (non-blocking) and takes the answers posted so far.
        func take() -> [LinkMessage] {
            var bytes = [UInt8](repeating: 0, count: 64)
            while read(wakeup[0], &bytes, bytes.count) > 0 {}
            return answers.withLock { answers in
                defer { answers.removeAll() }
                return answers
            }
        }
    }

    private let access: CardAccess
    private let mailbox: Mailbox
    private let queue = DispatchQueue(label: "pivlink-card.card")
    private var source: IOSource?
    /// The completions of the answers asked for and not yet delivered, oldest first.
    private var completions: [(LinkMessage) -> Void] = []

    /// True from `answer(_:now:then:)` until its completion runs.
    var isBusy: Bool { !completions.isEmpty }

    init(adapter: LinkCardAdapter, loop: EventLoop) throws(CardDaemonError) {
        var ends: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            throw CardDaemonError(.eventLoopFailed, "socketpair: \(String(cString: strerror(errno)))")
        }
        access = CardAccess(adapter: adapter)
        mailbox = Mailbox(wakeup: ends)
        do throws(EventLoopError) {
            source = try loop.addIO(fileDescriptor: ends[0], events: .readable) { [unowned self] _ in deliver() }
        } catch {
            throw CardDaemonError(.eventLoopFailed, "watching the card worker: \(error.detail)")
        }
    }

    deinit {
        source?.remove()
    }

    /// Works out the answer to `request` on the worker's thread and calls `completion` with it on the loop.
    func answer(_ request: LinkMessage, now: MonotonicInstant, then completion: @escaping (LinkMessage) -> Void) {
        completions.append(completion)
        queue.async { [access, mailbox] in
            mailbox.post(access.adapter.answer(request, now: now))
        }
    }

    private func deliver() {
        for answer in mailbox.take() where !completions.isEmpty {
            completions.removeFirst()(answer)
        }
    }
}
