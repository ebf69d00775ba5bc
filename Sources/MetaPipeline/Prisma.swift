/// The counts of a PRISMA 2020 flow diagram (`prisma:`), for a new review of databases and
/// registers. Nil: not reported (drawn as such).
public struct PrismaFlow: Sendable, Codable, Hashable {
    public struct Count: Sendable, Codable, Hashable {
        public var label: String
        public var n: Int?
        public init(label: String, n: Int?) {
            self.label = label
            self.n = n
        }
    }
    public var title: String
    /// Records identified, per database and per register.
    public var databases: [Count]
    public var registers: [Count]
    /// Records identified in total, when only the total is reported.
    public var identified: Int?
    public var duplicates: Int?
    public var automation: Int?
    public var otherRemoved: Int?
    public var screened: Int?
    public var excludedScreening: Int?
    public var sought: Int?
    public var notRetrieved: Int?
    public var assessed: Int?
    /// Reports excluded, with each reason.
    public var excludedReasons: [Count]
    /// Reports excluded in total, when the reasons are not reported with counts.
    public var excludedTotal: Int?
    public var includedStudies: Int?
    public var includedReports: Int?
    /// Included studies in a quantitative synthesis, a qualitative synthesis, and in meta-analyses.
    public var quantitative: Int?
    public var qualitative: Int?
    public var metaAnalysis: Int?

    public init(title: String) {
        self.title = title
        databases = []; registers = []; excludedReasons = []
    }

    /// Records identified: the total given, or the sum of the sources when every one is reported.
    public var identifiedTotal: Int? {
        if let identified { return identified }
        let all = databases + registers
        guard !all.isEmpty, all.allSatisfy({ $0.n != nil }) else { return nil }
        return all.reduce(0) { $0 + ($1.n ?? 0) }
    }

    /// Reports excluded at eligibility: the total given, or the sum of the reasons.
    public var excludedEligibility: Int? {
        if let excludedTotal { return excludedTotal }
        guard !excludedReasons.isEmpty, excludedReasons.allSatisfy({ $0.n != nil }) else { return nil }
        return excludedReasons.reduce(0) { $0 + ($1.n ?? 0) }
    }
}
