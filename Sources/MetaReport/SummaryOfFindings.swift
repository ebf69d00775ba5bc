import Foundation
import MetaFormat
import MetaStats

/// A GRADE summary-of-findings table, as the report shows it.
public struct FindingsReport: Codable, Sendable {
    public var title: String
    public var rows: [Row]

    public struct Downgrade: Codable, Sendable, Hashable {
        public var domain: String
        public var levels: Int
        public var reason: String
        public init(domain: String, levels: Int, reason: String) { self.domain = domain; self.levels = levels; self.reason = reason }
    }

    public struct Row: Codable, Sendable, Hashable {
        public var outcome: String
        public var studies: Int
        public var participants: Int?
        /// "SMD 2.40 [1.31, 3.49]", "RR 0.49 [0.34, 0.70]".
        public var effect: String
        /// Per 1,000 (binary) or the SMD's size in words.
        public var absolute: String
        public var certainty: String
        public var downgrades: [Downgrade]
        /// metapipe's suggestions from the data, in words.
        public var suggestions: [String]
        public init(outcome: String, studies: Int, participants: Int?, effect: String, absolute: String, certainty: String,
                    downgrades: [Downgrade], suggestions: [String]) {
            self.outcome = outcome; self.studies = studies; self.participants = participants; self.effect = effect
            self.absolute = absolute; self.certainty = certainty; self.downgrades = downgrades; self.suggestions = suggestions
        }
    }

    public init(title: String, rows: [Row]) { self.title = title; self.rows = rows }
}

/// The numbers behind a summary-of-findings row.
public enum Findings {
    /// The plain-language size of a standardised mean difference (Cochrane Handbook 15.5.3.1: 0.2 small,
    /// 0.5 moderate, 0.8 large).
    public static func smdSize(_ d: Double) -> String {
        let a = abs(d)
        if a < 0.2 { return "a trivial difference" }
        if a < 0.5 { return "a small difference" }
        if a < 0.8 { return "a moderate difference" }
        return "a large difference"
    }

    /// The intervention-arm risk for a control risk `cr` and a ratio (RR or OR) or difference (RD).
    public static func interventionRisk(control cr: Double, effect: Double, measure: BinaryMeasure) -> Double {
        switch measure {
        case .rr: return min(1, cr * effect)
        case .or: return cr * effect / (1 - cr + cr * effect)
        case .rd: return min(1, max(0, cr + effect))
        }
    }

    public static func median(_ xs: [Double]) -> Double? {
        let s = xs.filter(\.isFinite).sorted()
        guard !s.isEmpty else { return nil }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Suggested downgrades from the data, each in words (labelled as suggestions in the report).
    /// `highRiskShare`: the share of weight from studies at high (serious, critical) overall risk of bias.
    public static func suggestions(_ r: ResultDocument, threshold: Double?, highRiskShare: Double?, display: (Double) -> Double,
                                   null: Double) -> [String] {
        guard let p = r.pooled else { return [] }
        var out: [String] = []
        if let h = r.heterogeneity, r.k > 1 {
            let piCrosses = p.piLower.flatMap { lo in p.piUpper.map { hi in display(lo) < null && display(hi) > null } } ?? false
            let ciCrosses = display(p.ciLower) < null && display(p.ciUpper) > null
            if h.i2 >= 75 {
                out.append("inconsistency: rate down 2 (I² = \(Format.percent(h.i2, 0))\(piCrosses && !ciCrosses ? "; the prediction interval crosses the null" : ""))")
            } else if h.i2 >= 50 || (piCrosses && !ciCrosses) {
                out.append("inconsistency: rate down 1 (I² = \(Format.percent(h.i2, 0))\(piCrosses && !ciCrosses ? "; the prediction interval crosses the null" : ""))")
            }
        }
        let lo = display(p.ciLower), hi = display(p.ciUpper)
        if lo < null && hi > null {
            out.append("imprecision: rate down 1 or 2 (the \(Format.fixed(r.level, 0))% CI includes no effect)")
        } else if let t = threshold {
            let t2 = null == 1 ? 1 / t : -t
            let crosses = [t, t2].contains { lo < $0 && hi > $0 }
            if crosses { out.append("imprecision: rate down 1 (the CI crosses the threshold \(Format.significant(t)))") }
        }
        if let s = highRiskShare, s > 0 {
            out.append("risk of bias: \(s >= 0.5 ? "rate down 1 or 2" : "consider rating down") (\(Format.percent(s * 100, 0)) of the weight from studies at high risk of bias)")
        }
        if r.k >= 10, let e = r.bias?.egger, e.pValue < 0.1 {
            out.append("publication bias: consider rating down 1 (Egger's test P \(Format.pClause(e.pValue)), k = \(r.k))")
        }
        return out
    }
}

extension ReportBuilder {
    static func summaryOfFindings(_ s: FindingsReport) -> ReportDocument.Section {
        let rows: [[[ReportDocument.Inline]]] = s.rows.map { r in
            let reasons = r.downgrades.filter { $0.levels > 0 }.map { "\($0.domain) (−\($0.levels)): \($0.reason)" }
            return [[.strong(r.outcome)],
                    [.text("\(r.participants.map { "\($0)" } ?? "–") (\(r.studies) \(r.studies == 1 ? "study" : "studies"))")],
                    [.text(r.effect)], [.text(r.absolute)],
                    [.strong(r.certainty.uppercased())] + (reasons.isEmpty ? [] : [.text(" — " + reasons.joined(separator: "; "))]),
                    [.emphasis(r.suggestions.isEmpty ? "none" : r.suggestions.joined(separator: "; "))]]
        }
        return .init(id: "summary-of-findings", title: s.title, level: 2, blocks: [
            .paragraph([.text("Certainty of the evidence (GRADE) as the reviewers judge it in the pipeline file, with the reason for every level rated down. The last column lists what metapipe suggests from the data (I² and the prediction interval, the CI against no effect or the stated threshold, the weight from studies at high risk of bias, Egger's test when k ≥ 10); these are suggestions only and are not applied.")]),
            .table(.init(caption: "Summary of findings", header: ["Outcome", "Participants (studies)", "Relative effect [95% CI]",
                                                               "Absolute effect / size", "Certainty", "metapipe suggests"],
                         rows: rows, numeric: [2])),
            .paragraph([.text("As a table: "), .code("summary-of-findings.csv"), .text(".")]),
        ])
    }

    /// The summary-of-findings rows as CSV.
    public static func summaryOfFindingsCSV(_ s: FindingsReport) -> Data {
        var csv = CSVWriter(header: ["outcome", "studies", "participants", "relative_effect", "absolute_effect", "certainty", "downgrades", "suggestions"])
        for r in s.rows {
            csv.row([r.outcome, String(r.studies), r.participants.map(String.init) ?? "", r.effect, r.absolute, r.certainty,
                     r.downgrades.map { "\($0.domain) \($0.levels == 0 ? "not rated down" : "-\($0.levels)"): \($0.reason)" }.joined(separator: " | "),
                     r.suggestions.joined(separator: " | ")])
        }
        return csv.data
    }
}

extension Findings {
    public static func fixed(_ x: Double, _ digits: Int) -> String { Format.fixed(x, digits) }
}
