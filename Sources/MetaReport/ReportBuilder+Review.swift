import Foundation

/// A risk-of-bias assessment as the report shows it.
public struct RiskOfBiasReport: Codable, Sendable {
    public var name: String
    public var title: String
    /// "RoB 2", "ROBINS-I", "Risk of bias".
    public var tool: String
    /// The table's file, relative to the pipeline.
    public var path: String
    /// Short domain headings and what they mean (empty: overall judgements only).
    public var domains: [String]
    public var domainTitles: [String]
    public var studies: [Study]
    public var figures: [Figure]
    /// Studies the analyses pool that this assessment does not judge.
    public var unjudged: [String]

    public struct Study: Codable, Sendable, Hashable {
        public var study: String
        public var domains: [String]
        public var overall: String
        /// The analyses that pool the study.
        public var analyses: [String]
        public init(study: String, domains: [String], overall: String, analyses: [String]) {
            self.study = study; self.domains = domains; self.overall = overall; self.analyses = analyses
        }
    }

    public init(name: String, title: String, tool: String, path: String, domains: [String], domainTitles: [String],
                studies: [Study], figures: [Figure], unjudged: [String] = []) {
        self.name = name; self.title = title; self.tool = tool; self.path = path; self.domains = domains
        self.domainTitles = domainTitles; self.studies = studies; self.figures = figures; self.unjudged = unjudged
    }
}

extension ReportBuilder {
    static func riskOfBias(_ r: RiskOfBiasReport) -> ReportDocument.Section {
        var blocks: [ReportDocument.Block] = []
        var counts: [(String, Int)] = []
        for s in r.studies {
            if let i = counts.firstIndex(where: { $0.0 == s.overall }) { counts[i].1 += 1 } else { counts.append((s.overall, 1)) }
        }
        let summary = counts.map { "\($0.1) \($0.0.lowercased())" }.joined(separator: ", ")
        let intro = "\(r.tool) judgements of \(r.studies.count) \(r.studies.count == 1 ? "study" : "studies"), from "
        if r.domains.isEmpty {
            blocks.append(.paragraph([.text(intro), .code(r.path), .text(". Overall: \(summary).")]))
            blocks.append(.note([.text("Only the overall judgement of each study is available; the domain-level judgements are not reported, so none are shown.")]))
        } else {
            blocks.append(.paragraph([.text(intro), .code(r.path), .text(". Overall: \(summary). Domains: "),
                                      .text(zip(r.domains, r.domainTitles).map { "\($0) \($1.prefix(1).lowercased() + $1.dropFirst())" }.joined(separator: "; ") + ".")]))
        }
        let rows: [[[ReportDocument.Inline]]] = r.studies.map { s in
            [[.text(s.study)]] + s.domains.map { [.text($0)] } + [[.strong(s.overall)], [.text(s.analyses.isEmpty ? "–" : s.analyses.joined(separator: "; "))]]
        }
        blocks.append(.table(.init(caption: "Risk of bias by study", header: ["Study"] + r.domains + ["Overall", "Analyses"],
                                   rows: rows, numeric: [])))
        if !r.unjudged.isEmpty {
            let count = r.unjudged.count == 1 ? "one study" : "\(r.unjudged.count) studies"
            blocks.append(.paragraph([.text("The analyses also pool \(count) this table does not judge: \(r.unjudged.joined(separator: ", ")).")]))
        }
        for f in r.figures { blocks.append(.figure(f)) }
        blocks.append(.paragraph([.text("Judgements as a table: "), .code("\(r.name)/risk-of-bias.csv"), .text(".")]))
        return .init(id: "risk-of-bias-\(anchor(r.name))", title: r.title, level: 2, blocks: blocks)
    }
}
