/// What the fuzzer does to the genuine batches of fragments one side sent before the other side gets them.
enum Delivery {
    case intact
    case flipped(at: Int, bit: UInt8)
    case truncated(to: Int)
    case duplicated(fragment: Int)
    case swapped(fragment: Int)
    /// The batch after the next one, intact; the next one stays first in line.
    case afterNext
    /// A fragment delivered earlier, again; the batches stay in line.
    case replayed(fragment: Int)
    case lost
}

/// The genuine batches one side sent, in order, waiting for the fuzzer to deliver them, altered or not.
struct Courier {
    private var waiting: [(index: Int, fragments: [[UInt8]])] = []
    private var sentCount = 0
    private var delivered: [[UInt8]] = []

    /// Queues a batch; its index counts every batch queued so far.
    mutating func enqueue(_ fragments: [[UInt8]]) -> Int {
        defer { sentCount += 1 }
        waiting.append((sentCount, fragments))
        return sentCount
    }

    /// The fragments to hand to the machine under test, in order.
    mutating func take(_ delivery: Delivery) -> [[UInt8]] {
        let fragments: [[UInt8]]
        switch delivery {
        case .replayed(let position):
            guard !delivered.isEmpty else { return [] }
            fragments = [delivered[position % delivered.count]]
        case .afterNext:
            guard waiting.count >= 2 else { return [] }
            fragments = waiting.remove(at: 1).fragments
        case .lost:
            if !waiting.isEmpty { waiting.removeFirst() }
            return []
        case .intact, .flipped, .truncated, .duplicated, .swapped:
            guard !waiting.isEmpty else { return [] }
            fragments = Self.alter(waiting.removeFirst().fragments, delivery)
        }
        delivered += fragments
        return fragments
    }

    private static func alter(_ batch: [[UInt8]], _ delivery: Delivery) -> [[UInt8]] {
        var batch = batch
        switch delivery {
        case .flipped(let position, let bit):
            let total = batch.reduce(0) { $0 + $1.count }
            guard total > 0 else { return batch }
            var offset = position % total
            for index in batch.indices {
                if offset < batch[index].count {
                    batch[index][offset] ^= 1 << bit
                    break
                }
                offset -= batch[index].count
            }
        case .truncated(let length):
            let total = batch.reduce(0) { $0 + $1.count }
            var keep = total > 0 ? length % total : 0
            batch = batch.compactMap { fragment in
                defer { keep = max(0, keep - fragment.count) }
                return keep > 0 ? Array(fragment.prefix(keep)) : nil
            }
        case .duplicated(let position):
            guard !batch.isEmpty else { return batch }
            let index = position % batch.count
            batch.insert(batch[index], at: index)
        case .swapped(let position):
            guard batch.count >= 2 else { return batch }
            let index = position % (batch.count - 1)
            batch.swapAt(index, index + 1)
        case .intact, .afterNext, .replayed, .lost:
            break
        }
        return batch
    }
}
