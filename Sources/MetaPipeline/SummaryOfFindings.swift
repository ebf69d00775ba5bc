import MetaStats

/// GRADE's domains for rating down the certainty of evidence.
public enum GradeDomain: String, CaseIterable, Sendable, Codable, Hashable {
    case riskOfBias = "risk-of-bias"
    case inconsistency, indirectness, imprecision
    case publicationBias = "publication-bias"

    public var title: String {
        switch self {
        case .riskOfBias: return "Risk of bias"
        case .inconsistency: return "Inconsistency"
        case .indirectness: return "Indirectness"
        case .imprecision: return "Imprecision"
        case .publicationBias: return "Publication bias"
        }
    }
}

/// GRADE certainty of the evidence.
public enum Certainty: String, CaseIterable, Sendable, Codable, Hashable {
    case high, moderate, low
    case veryLow = "very low"

    public var rank: Int {
        switch self {
        case .high: return 4
        case .moderate: return 3
        case .low: return 2
        case .veryLow: return 1
        }
    }

    /// The certainty `levels` below this one (never below very low).
    public func down(_ levels: Int) -> Certainty {
        let r = max(1, rank - max(0, levels))
        return Certainty.allCases.first { $0.rank == r } ?? .veryLow
    }
}

/// The reviewer's rating down in one domain, with the reason.
public struct Downgrade: Sendable, Codable, Hashable {
    public var domain: GradeDomain
    public var levels: Int
    public var reason: String
    public init(domain: GradeDomain, levels: Int, reason: String) {
        self.domain = domain
        self.levels = levels
        self.reason = reason
    }
}

/// What a summary-of-findings row needs of one study beyond the pooled result.
public struct StudyNumbers: Sendable, Codable, Hashable {
    public var participants: Double?
    /// Control-arm risk (binary outcomes).
    public var controlRisk: Double?
    /// Overall risk of bias level (0 low … 3 critical, 4 no information), nil when not judged.
    public var riskOfBiasLevel: Int?
}

/// One outcome (an analysis) of the summary of findings.
public struct FindingsOutcome: Sendable, Codable, Hashable {
    public var analysis: String
    public var title: String
    /// Where the evidence starts: high for randomised trials, low for observational studies.
    public var start: Certainty
    public var downgrades: [Downgrade]
    /// The assumed control risk (0–1) for absolute effects of binary outcomes; nil: the median control-arm risk.
    public var assumedRisk: Double?
    /// The smallest effect that matters (on the analysis' display scale), for imprecision.
    public var threshold: Double?
    public var studies: [String: StudyNumbers]

    /// The reviewer's certainty: the start less every downgrade.
    public var certainty: Certainty { start.down(downgrades.reduce(0) { $0 + $1.levels }) }
}

/// `summary-of-findings:` a GRADE table.
public struct SummaryOfFindings: Sendable, Codable, Hashable {
    public var title: String
    public var outcomes: [FindingsOutcome]
}
