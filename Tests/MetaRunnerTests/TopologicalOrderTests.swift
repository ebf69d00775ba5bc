import Foundation
import Testing
@testable import MetaRunner

/// The run order: every stage after the stages it reads, ties broken by stage id.
@Suite struct TopologicalOrderTests {
    /// Kahn's algorithm written plainly: of the stages whose inputs are all placed, the smallest id next.
    static func plainOrder(_ stages: [Stage]) -> [StageID] {
        var placed: [StageID] = [], done: Set<StageID> = []
        while placed.count < stages.count {
            let next = stages.filter { !done.contains($0.id) && $0.dependencies.isSubset(of: done) }.map(\.id).min()!
            placed.append(next)
            done.insert(next)
        }
        return placed
    }

    @Test func theOrderIsKahnsWithTiesBrokenByID() throws {
        var state: UInt64 = 20261202
        func random(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for trial in 0..<40 {
            let count = 1 + random(60)
            // Ids in a shuffled order, so that the order of the ids is not the order of creation.
            let names = (0..<count).map { "s\(String(format: "%03d", ($0 * 37 + trial) % 1000))" }
            var stages: [Stage] = []
            for (i, name) in names.enumerated() {
                var inputs: [ArtifactRef] = []
                if i > 0 { for _ in 0..<random(4) { inputs.append(ArtifactRef(StageID(names[random(i)]), "x")) } }
                stages.append(Stage(id: StageID(name), kind: "k", parameters: Data(), inputs: inputs) { _ in StageOutput() })
            }
            var generator = Generator(state: state)
            stages.shuffle(using: &generator)
            let map = Dictionary(uniqueKeysWithValues: stages.map { ($0.id, $0) })
            #expect(try Runner.topologicalOrder(stages, map) == Self.plainOrder(stages), "trial \(trial)")
        }
    }

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }
}
