/// Risk-of-bias tools a `risk-of-bias:` assessment can name.
public enum RiskOfBiasTool: String, CaseIterable, Sendable, Codable, Hashable {
    /// Cochrane RoB 2 (randomised trials): five domains and an overall judgement.
    case rob2
    /// ROBINS-I (non-randomised studies of interventions): seven domains and an overall judgement.
    case robinsI = "robins-i"
    /// Domains the reviewer lists (`domains:`), judged in RoB 2's words (or RoB 1's "unclear").
    case custom

    /// The tool's name as published.
    public var title: String {
        switch self {
        case .rob2: return "RoB 2"
        case .robinsI: return "ROBINS-I"
        case .custom: return "Risk of bias"
        }
    }

    /// The standard domains: (column, heading).
    public var standardDomains: [RiskOfBiasDomain] {
        switch self {
        case .rob2:
            return [.init(column: "D1", title: "Bias arising from the randomisation process"),
                    .init(column: "D2", title: "Bias due to deviations from intended interventions"),
                    .init(column: "D3", title: "Bias due to missing outcome data"),
                    .init(column: "D4", title: "Bias in measurement of the outcome"),
                    .init(column: "D5", title: "Bias in selection of the reported result")]
        case .robinsI:
            return [.init(column: "D1", title: "Bias due to confounding"),
                    .init(column: "D2", title: "Bias due to selection of participants"),
                    .init(column: "D3", title: "Bias in classification of interventions"),
                    .init(column: "D4", title: "Bias due to deviations from intended interventions"),
                    .init(column: "D5", title: "Bias due to missing data"),
                    .init(column: "D6", title: "Bias in measurement of outcomes"),
                    .init(column: "D7", title: "Bias in selection of the reported result")]
        case .custom:
            return []
        }
    }

    /// The judgements the tool uses, least to most concern, then "no information".
    public var vocabulary: [RiskOfBiasJudgement] {
        switch self {
        case .rob2: return [.low, .someConcerns, .high, .noInformation]
        case .robinsI: return [.low, .moderate, .serious, .critical, .noInformation]
        case .custom: return [.low, .someConcerns, .unclear, .high, .noInformation]
        }
    }
}

/// One domain of an assessment: the table column holding it and its heading.
public struct RiskOfBiasDomain: Sendable, Codable, Hashable {
    public var column: String
    public var title: String
    public init(column: String, title: String) {
        self.column = column
        self.title = title
    }
}

/// A judgement, in the words of RoB 2, ROBINS-I and RoB 1.
public enum RiskOfBiasJudgement: String, CaseIterable, Sendable, Codable, Hashable, Comparable {
    case low
    case someConcerns = "some concerns"
    case unclear
    case moderate
    case high
    case serious
    case critical
    case noInformation = "no information"

    /// 0 = low, 1 = some concerns / moderate / unclear, 2 = high / serious, 3 = critical; no information last.
    public var level: Int {
        switch self {
        case .low: return 0
        case .someConcerns, .unclear, .moderate: return 1
        case .high, .serious: return 2
        case .critical: return 3
        case .noInformation: return 4
        }
    }

    /// The symbol robvis draws (+, −, ×, !, ?), distinct in shape so that the figure reads in greyscale.
    public var symbol: String {
        switch self {
        case .low: return "+"
        case .someConcerns, .moderate: return "−"
        case .unclear, .noInformation: return "?"
        case .high, .serious: return "×"
        case .critical: return "!"
        }
    }

    /// "Low", "Some concerns", …
    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    public static func < (a: Self, b: Self) -> Bool {
        a.level != b.level ? a.level < b.level : allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Reads a cell: the tool's words in any case, with "risk" allowed after them ("low risk",
    /// "high risk of bias") and "some concern" for "some concerns". Nil when it is not one of them.
    public static func parse(_ text: String, tool: RiskOfBiasTool) -> RiskOfBiasJudgement? {
        var t = text.lowercased().trimmingCharacters(in: .whitespaces)
        for suffix in [" risk of bias", " risk"] where t.hasSuffix(suffix) { t = String(t.dropLast(suffix.count)) }
        if t == "some concern" { t = "some concerns" }
        if t == "no info" || t == "ni" { t = "no information" }
        guard let j = RiskOfBiasJudgement(rawValue: t), tool.vocabulary.contains(j) else { return nil }
        return j
    }
}

/// One study's row of an assessment.
public struct RiskOfBiasRow: Sendable, Codable, Hashable {
    public var study: String
    /// One judgement per domain of the assessment (empty for overall-only data).
    public var domains: [RiskOfBiasJudgement]
    public var overall: RiskOfBiasJudgement
    /// The study's weight for the weighted summary (`weight` column), if given.
    public var weight: Double?
    public var line: Int
    public init(study: String, domains: [RiskOfBiasJudgement], overall: RiskOfBiasJudgement, weight: Double?, line: Int) {
        self.study = study
        self.domains = domains
        self.overall = overall
        self.weight = weight
        self.line = line
    }
}

/// A risk-of-bias assessment (`risk-of-bias:`): one tool, one table, one row per study.
public struct RiskOfBiasAssessment: Sendable, Codable, Hashable {
    /// The assessment's name (its folder in the report).
    public var name: String
    public var title: String
    public var tool: RiskOfBiasTool
    public var table: String
    /// The table's path as the pipeline names it.
    public var path: String
    /// The domains judged (empty: the table gives the overall judgement only).
    public var domains: [RiskOfBiasDomain]
    public var rows: [RiskOfBiasRow]

    public init(name: String, title: String, tool: RiskOfBiasTool, table: String, path: String,
                domains: [RiskOfBiasDomain], rows: [RiskOfBiasRow]) {
        self.name = name
        self.title = title
        self.tool = tool
        self.table = table
        self.path = path
        self.domains = domains
        self.rows = rows
    }

    /// Only overall judgements are given.
    public var overallOnly: Bool { domains.isEmpty }

    /// The overall judgement of a study, or nil when the assessment does not list it.
    public func overall(of study: String) -> RiskOfBiasJudgement? { rows.first { $0.study == study }?.overall }
}
