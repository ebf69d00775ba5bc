import MetaFormat
import MetaStats

extension ReportBuilder {
    /// Influence diagnostics: one row a study, influential studies marked, and the Baujat plot.
    static func influenceSection(_ rows: [InfluenceRow], _ a: AnalysisReport) -> ReportDocument.Section {
        let r = a.result
        let table: [[[ReportDocument.Inline]]] = rows.map { row in
            [[row.influential ? .strong(row.study + " *") : .text(row.study)], [.text(Format.fixed(row.rstudent, 2))],
             [.text(Format.fixed(row.dffits, 2))], [.text(Format.fixed(row.cooksDistance, 3))], [.text(Format.fixed(row.covRatio, 3))],
             [.text(Format.significant(row.tau2Deleted))], [.text(Format.fixed(row.qDeleted, 2))], [.text(Format.fixed(row.hat, 3))],
             [.text(Format.percent(row.weight, 1))], [.text(Format.fixed(row.dfbetas, 2))]]
        }
        let flagged = rows.filter(\.influential).map(\.study)
        let k = rows.count
        var text = "Outlier and influence diagnostics (metafor's influence()): externally standardised residuals, DFFITS, "
            + "Cook's distances, covariance ratios, τ² and Q with each study left out, hat values, weights and DFBETAS. "
        text += flagged.isEmpty
            ? "No study is influential by metafor's criteria."
            : "Marked * and in bold: influential by metafor's criteria (\(flagged.joined(separator: "; "))). "
        if !flagged.isEmpty {
            text += "A study counts as influential when |DFFITS| > 3·√(1/(k − 1)) = \(Format.fixed(3 * (1 / Double(max(1, k - 1))).squareRoot(), 2)), "
                + "its Cook's distance exceeds the median of χ²₁ (0.45), its hat value exceeds 3/k = \(Format.fixed(3 / Double(max(1, k)), 2)) "
                + "or |DFBETAS| > 1; the cut-offs are conventions, not tests."
        }
        var blocks: [ReportDocument.Block] = [.paragraph([.text(text.trimmingCharacters(in: .whitespaces))])]
        blocks.append(.table(.init(caption: nil, header: ["Study", "rstudent", "DFFITS", "Cook's D", "Cov. ratio", "τ² omitted", "Q omitted",
                                                          "Hat", "Weight", "DFBETAS"],
                                   rows: table, numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9])))
        for f in a.figures where f.kind == "baujat" { blocks.append(.figure(f)) }
        return .init(id: anchor(r.analysis) + "-influence", title: "\(r.title): influence diagnostics", level: 3, blocks: blocks)
    }

    /// GOSH: how many subsets were fitted, the range of their estimates and I², and the plot.
    static func goshSection(_ g: ResultDocument.GoshSummary, _ a: AnalysisReport) -> ReportDocument.Section {
        let r = a.result
        let m = ShownMeasure(r)
        let digits = m.decimals
        let what = g.exhaustive
            ? "every non-empty subset of the \(r.k) studies (\(Format.grouped(g.subsets)) subsets)"
            : "\(Format.grouped(g.subsets)) random subsets of the \(r.k) studies (each study in a subset with probability ½, seed \(g.seed ?? 0))"
        var text = "The model (\(r.model == .fixed ? modelName(r.model) : "\(modelName(r.model)), \(r.method.rawValue)")) was fitted to \(what); "
            + "the fits are in gosh.csv. Their pooled estimates range from \(Format.fixed(m.display(g.estimateMin), digits)) "
            + "to \(Format.fixed(m.display(g.estimateMax), digits)) and their I² from \(Format.percent(g.i2Min, 0)) to \(Format.percent(g.i2Max, 0))."
        if let failed = g.failed { text += " \(Format.grouped(failed)) subsets have no result: their τ² iteration did not converge." }
        text += " Separate clusters of points suggest studies that pull the result or the heterogeneity apart."
        var blocks: [ReportDocument.Block] = [.paragraph([.text(text)])]
        for f in a.figures where f.kind == "gosh" { blocks.append(.figure(f)) }
        return .init(id: anchor(r.analysis) + "-gosh", title: "\(r.title): GOSH", level: 3, blocks: blocks)
    }
}
