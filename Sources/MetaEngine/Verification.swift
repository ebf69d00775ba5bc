import Foundation
import MetaPipeline
import MetaReport
import MetaStats

/// Compares a result with the statistics RevMan stored (the results table `metapipe import` writes).
///
/// Tolerances: RevMan 5 files hold full doubles, which must agree to 1e-10 relative, except chi-square
/// p-values, which RevMan computes with an approximation good to about 1e-6; a RevMan Web data
/// package prints 6 decimals, so values must agree to half a unit in the sixth decimal.
enum Verification {
    static func compare(_ result: ResultDocument, outcome: String, results: Table, settings: Table) -> VerificationReport {
        let settingsRow = settings.rows.first { settings.cell($0, "outcome") == outcome }
        let precision = settingsRow.map { settings.cell($0, "precision") } ?? "double"
        let calculated = settingsRow.map { settings.cell($0, "calculated") != "no" } ?? true
        var stored: [String: Double] = [:]   // "subgroup|study|statistic" → value
        for row in results.rows where results.cell(row, "outcome") == outcome {
            if let v = Double(results.cell(row, "value")) {
                stored["\(results.cell(row, "subgroup"))|\(results.cell(row, "study"))|\(results.cell(row, "statistic"))"] = v
            }
        }
        let ratio = result.measure == "OR" || result.measure == "RR"
        func shown(_ x: Double) -> Double { ratio ? exp(x) : x }
        var rows: [VerificationReport.Row] = []
        func add(_ level: String, _ subgroup: String, _ study: String, _ statistic: String, _ ours: Double?) {
            let revman = stored["\(subgroup)|\(study)|\(statistic)"]
            var status: String
            var difference: Double?
            switch (revman, ours) {
            case let (r?, o?):
                difference = o - r
                status = within(o, r, statistic: statistic, precision: precision) ? "pass" : "FAIL"
            case (nil, _?): status = calculated ? "not stored by RevMan" : "not calculated by RevMan"
            case (_?, nil): status = "not computed by metapipe"
            case (nil, nil): return
            }
            rows.append(VerificationReport.Row(level: level, subgroup: subgroup, study: study, statistic: statistic, revman: revman,
                                               metapipe: ours, difference: difference, status: status))
        }
        func pooled(_ level: String, _ subgroup: String, estimate: Double, lower: Double, upper: Double, z: Double, p: Double,
                    q: Double?, df: Int?, qp: Double?, i2: Double?, tau2: Double?) {
            add(level, subgroup, "", "estimate", shown(estimate))
            add(level, subgroup, "", "ci_lower", shown(lower))
            add(level, subgroup, "", "ci_upper", shown(upper))
            add(level, subgroup, "", "z", abs(z))
            add(level, subgroup, "", "p_z", p)
            add(level, subgroup, "", "chi2", q)
            add(level, subgroup, "", "df", df.map(Double.init))
            add(level, subgroup, "", "p_chi2", qp)
            add(level, subgroup, "", "i2", i2)
            add(level, subgroup, "", "tau2", tau2)
        }
        let h = result.heterogeneity
        pooled("overall", "", estimate: result.pooled.estimate, lower: result.pooled.ciLower, upper: result.pooled.ciUpper,
               z: result.pooled.statistic, p: result.pooled.pValue, q: h?.q ?? 0, df: h?.df ?? 0, qp: h?.pValue, i2: h?.i2 ?? 0,
               tau2: h?.tau2 ?? 0)
        if let s = result.subgroups?["subgroup"] {
            for g in s.groups {
                pooled("subgroup", g.name, estimate: g.estimate, lower: g.ciLower, upper: g.ciUpper, z: g.statistic, p: g.pValue,
                       q: g.q ?? 0, df: g.df ?? 0, qp: g.qPValue, i2: g.i2, tau2: g.tau2)
            }
            if let q = s.qBetween, let df = s.df {
                add("test", "", "", "q_between", q)
                add("test", "", "", "df_between", Double(df))
                add("test", "", "", "p_between", s.pValue)
                add("test", "", "", "i2_between", s.i2)
            }
        }
        let groupOf = Dictionary((result.subgroups?["subgroup"]?.groups ?? []).flatMap { g in g.studies.map { ($0, g.name) } },
                                 uniquingKeysWith: { a, _ in a })
        for s in result.studies {
            let subgroup = groupOf[s.study] ?? ""
            add("study", subgroup, s.study, "estimate", shown(s.yi))
            add("study", subgroup, s.study, "ci_lower", shown(s.ciLower))
            add("study", subgroup, s.study, "ci_upper", shown(s.ciUpper))
            add("study", subgroup, s.study, "se", s.se)
            add("study", subgroup, s.study, "variance", s.vi)
            add("study", subgroup, s.study, "weight", s.weight)
        }
        if calculated && stored.isEmpty {
            // RevMan calculated the analysis, yet no stored statistic matches it (a results table edited
            // or cut short): that is a failed check, not a pass with nothing checked.
            rows.insert(VerificationReport.Row(level: "overall", subgroup: "", study: "", statistic: "stored statistics", revman: nil,
                                               metapipe: nil, difference: nil, status: "FAIL"), at: 0)
        }
        return VerificationReport(outcome: outcome, precision: precision, tolerance: tolerance(precision), calculated: calculated, rows: rows)
    }

    static func tolerance(_ precision: String) -> String {
        precision == "double"
            ? "1e-10 relative (RevMan's full-precision doubles); 1e-6 relative for chi-square p-values, which RevMan computes with an approximation"
            : "half a unit in the sixth decimal (the package prints 6 decimals)"
    }

    static func within(_ ours: Double, _ revman: Double, statistic: String, precision: String) -> Bool {
        let difference = abs(ours - revman)
        if precision == "double" {
            let relative = statistic == "p_chi2" || statistic == "p_between" ? 1e-6 : 1e-10
            return difference <= relative * abs(revman) || difference <= 1e-12
        }
        return difference <= 5e-7 + 1e-9 * abs(revman)
    }

    /// `verify.csv`.
    static func csv(_ v: VerificationReport) -> Data {
        var csv = CSVWriter(header: ["level", "subgroup", "study", "statistic", "revman", "metapipe", "difference", "status"])
        for r in v.rows {
            csv.row([r.level, r.subgroup, r.study, r.statistic, CSVWriter.number(r.revman), CSVWriter.number(r.metapipe),
                     CSVWriter.number(r.difference), r.status])
        }
        return csv.data
    }
}
