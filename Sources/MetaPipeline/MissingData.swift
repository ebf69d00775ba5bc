import Foundation
import MetaTables
import MetaStats

extension Selection {
    /// The cell texts that mean "no value": empty, `NA`, `N/A`, `NR` (not reported) and `.`, in any
    /// letter case, after trimming spaces.
    public static let missingTokens: Set<String> = ["", "na", "n/a", "nr", "."]

    /// Whether a cell holds no value.
    public static func isMissing(_ cell: String) -> Bool {
        // Every token is at most 3 bytes, and no longer text lowercases to one.
        let trimmed = cell.trimmingSpaces()
        return trimmed.utf8.count <= 3 && missingTokens.contains(trimmed.lowercased())
    }

    /// Splits off the rows `missing: drop` left out and the missing subgroup values (warnings) from
    /// the problems that are errors.
    public static func separateMissing(_ problems: [SelectionProblem])
        -> (dropped: [SelectionProblem], subgroupWarnings: [SelectionProblem], errors: [SelectionProblem])
    {
        var dropped: [SelectionProblem] = [], warnings: [SelectionProblem] = [], errors: [SelectionProblem] = []
        for problem in problems {
            switch problem {
            case .missingDropped: dropped.append(problem)
            case .missingSubgroup: warnings.append(problem)
            default: errors.append(problem)
            }
        }
        return (dropped, warnings, errors)
    }

    /// The studies `missing: drop` left out, with the reason result.json and the report give.
    public static func droppedForMissing(_ problems: [SelectionProblem]) -> [DroppedStudy] {
        problems.compactMap { problem in
            guard case let .missingDropped(_, _, study, columns) = problem else { return nil }
            return DroppedStudy(study: study, reason: "no value for \(columns.joined(separator: ", ")) (missing: drop)")
        }
    }
}
