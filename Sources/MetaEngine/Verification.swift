import Foundation
import MetaPipeline
import MetaReport
import MetaStats

/// Compares a result with the statistics RevMan stored (the results table `metapipe import` writes).
///
/// Every stored statistic gets one status (`VerificationReport.Status`): pass or FAIL against the
/// tolerance; "not computed by RevMan" for the placeholders RevMan writes where it computed nothing
/// (totals switched off with `TOTALS="SUB"` or `"NO"`, analyses, subgroups and studies marked
/// `ESTIMABLE="NO"`); "RevMan artefact" for I² = 100 stored for a single study (df = 0), which RevMan
/// derives from a Q of about 1e-30, a floating-point residue.
///
/// Tolerances: RevMan 5 files hold full doubles, which must agree to 1e-10 relative, except chi-square
/// p-values, which RevMan computes with an approximation good to about 5e-7 absolute; a RevMan Web data
/// package prints 6 decimals, so values must agree to half a unit in the sixth decimal.
enum Verification {
    typealias Status = VerificationReport.Status

    static func compare(_ result: ResultDocument, outcome: String, results: Table, settings: Table) -> VerificationReport {
        let settingsRow = settings.rows.first { settings.cell($0, "outcome") == outcome }
        let precision = settingsRow.map { settings.cell($0, "precision") } ?? "double"
        let calculated = settingsRow.map { settings.cell($0, "calculated") != "no" } ?? true
        var totals = settingsRow.map { settings.cell($0, "totals") }.flatMap { $0.isEmpty ? nil : $0 } ?? "YES"
        // Subgroup totals in an analysis without subgroups: RevMan computes no total at all.
        if totals == "SUB" && result.subgroups == nil { totals = "NO" }
        var stored: [String: Double] = [:]   // "subgroup|study|statistic" → value
        var notEstimable = Set<String>()    // "subgroup|study" of entries RevMan marked ESTIMABLE="NO"
        var order: [String] = []
        for row in results.rows where results.cell(row, "outcome") == outcome {
            let place = "\(results.cell(row, "subgroup"))|\(results.cell(row, "study"))"
            let statistic = results.cell(row, "statistic")
            guard let v = Double(results.cell(row, "value")) else { continue }
            if statistic == "estimable" {
                if v == 0 { notEstimable.insert(place) }
                continue
            }
            let key = "\(place)|\(statistic)"
            if stored[key] == nil { order.append(key) }
            stored[key] = v
        }
        let ratio = result.isShownAsRatio
        func shown(_ x: Double?) -> Double? { x.map { ratio ? exp($0) : $0 } }
        var rows: [VerificationReport.Row] = []
        var used = Set<String>()
        /// `skip`: why RevMan's stored value is not a result (nil: it is one).
        func add(_ level: String, _ subgroup: String, _ study: String, _ statistic: String, _ ours: Double?,
                 skip: String? = nil, df: Int? = nil) {
            let key = "\(subgroup)|\(study)|\(statistic)"
            guard let revman = stored[key] else { return }
            used.insert(key)
            var status: Status
            var reason = skip
            var difference: Double?
            if let o = ours { difference = o - revman }
            if skip != nil {
                status = .notComputed
            } else if statistic.hasPrefix("i2"), revman > 99.99, df == 0 {
                status = .artefact
                reason = "RevMan stores I² = 100 for a single study, from a Q of about 1e-30 (a floating-point residue); with df = 0 I² is 0"
            } else if statistic == "p_chi2" || statistic == "p_between", revman == 0, df == 0 {
                status = .artefact
                reason = "RevMan stores P = 0 for a single study, from a Q of about 1e-30 on 0 df (a floating-point residue); Q = 0 on 0 df has P = 1"
            } else if let o = ours {
                status = within(o, revman, statistic: statistic, precision: precision) ? .pass : .fail
            } else {
                status = .fail
                reason = "RevMan computed this value; metapipe has none"
            }
            rows.append(VerificationReport.Row(level: level, subgroup: subgroup, study: study, statistic: statistic, revman: revman,
                                               metapipe: ours, difference: difference, status: status.rawValue, reason: reason))
        }
        struct Numbers {
            var estimate, lower, upper, z, p: Double?
            var q: Double?, df: Int?, qp: Double?, i2: Double?, tau2: Double?
        }
        func pooled(_ level: String, _ subgroup: String, _ n: Numbers, skip: String?) {
            add(level, subgroup, "", "estimate", shown(n.estimate), skip: skip)
            add(level, subgroup, "", "ci_lower", shown(n.lower), skip: skip)
            add(level, subgroup, "", "ci_upper", shown(n.upper), skip: skip)
            add(level, subgroup, "", "z", n.z.map(abs), skip: skip)
            add(level, subgroup, "", "p_z", n.p, skip: skip)
            add(level, subgroup, "", "chi2", n.q, skip: skip)
            add(level, subgroup, "", "df", n.df.map(Double.init), skip: skip)
            add(level, subgroup, "", "p_chi2", n.qp, skip: skip, df: n.df)
            add(level, subgroup, "", "i2", n.i2, skip: skip, df: n.df)
            add(level, subgroup, "", "tau2", n.tau2, skip: skip)
        }
        let noTotals = "RevMan computes no totals for this analysis (TOTALS=\"\(totals)\")"
        let overallSkip: String? = totals != "YES" ? noTotals
            : notEstimable.contains("|") ? "RevMan marked the analysis not estimable" : nil
        let h = result.heterogeneity
        let p = result.pooled
        // RevMan Web prints, as "Effect P" of a Hartung–Knapp–Sidik–Jonkman analysis, the Wald z test's
        // P: 2Φ(−|μ̂|/SE) with SE = 1/√Σ1/(vᵢ + τ²), the unadjusted standard error.
        let vi = Dictionary(result.studies.map { ($0.study, $0.vi) }, uniquingKeysWith: { a, _ in a })
        func waldP(_ estimate: Double?, studies: [String], tau2: Double?) -> Double? {
            guard let estimate else { return nil }
            var sw = 0.0
            for s in studies { if let v = vi[s] { sw += 1 / (v + (tau2 ?? 0)) } }
            guard sw > 0 else { return nil }
            return NormalTail.exact.twoSided(estimate * sw.squareRoot())
        }
        let webKnha = precision != "double" && result.test == .knha
        // One study: RevMan stores Chi² = 0 on df = 0 with P = 1, I² = 0 and Tau² = 0 ("not applicable").
        let single = p != nil && h == nil
        let overallP = webKnha ? waldP(p?.estimate, studies: result.studies.map(\.study), tau2: h?.tau2) : p?.pValue
        pooled("overall", "", Numbers(estimate: p?.estimate, lower: p?.ciLower, upper: p?.ciUpper, z: p?.statistic, p: overallP,
                                      q: h?.q ?? (single ? 0 : nil), df: h?.df ?? (single ? 0 : nil), qp: h?.pValue ?? (single ? 1 : nil),
                                      i2: h?.i2 ?? (single ? 0 : nil), tau2: h?.tau2 ?? (single ? 0 : nil)),
               skip: overallSkip)
        if let s = result.subgroups?["subgroup"] {
            for g in s.groups {
                let skip: String? = totals == "NO" ? noTotals
                    : notEstimable.contains("\(g.name)|") ? "RevMan marked the subgroup not estimable" : nil
                let single = g.estimate != nil && g.q == nil
                pooled("subgroup", g.name, Numbers(estimate: g.estimate, lower: g.ciLower, upper: g.ciUpper, z: g.statistic,
                                                   p: webKnha ? waldP(g.estimate, studies: g.studies, tau2: g.tau2) : g.pValue, q: g.q ?? (single ? 0 : nil), df: g.df ?? (single ? 0 : nil),
                                                   qp: g.qPValue ?? (single ? 1 : nil), i2: g.estimate != nil ? g.i2 : nil,
                                                   tau2: g.estimate != nil ? g.tau2 : nil),
                       skip: skip)
            }
            let skip: String? = totals == "NO" ? noTotals : nil
            // One estimable subgroup: RevMan stores the test as Chi² = 0, df = 0, P = 1, I² = 0.
            let oneGroup = s.qBetween == nil && s.groups.filter { $0.estimate != nil }.count == 1
            add("test", "", "", "q_between", s.qBetween ?? (oneGroup ? 0 : nil), skip: skip)
            add("test", "", "", "df_between", s.df.map(Double.init) ?? (oneGroup ? 0 : nil), skip: skip)
            add("test", "", "", "p_between", s.pValue ?? (oneGroup ? 1 : nil), skip: skip)
            add("test", "", "", "i2_between", s.i2 ?? (oneGroup ? 0 : nil), skip: skip, df: s.df ?? (oneGroup ? 0 : nil))
        }
        let groupOf = Dictionary((result.subgroups?["subgroup"]?.groups ?? []).flatMap { g in g.studies.map { ($0, g.name) } },
                                 uniquingKeysWith: { a, _ in a })
        for s in result.studies {
            let subgroup = groupOf[s.study] ?? ""
            let skip: String? = notEstimable.contains("\(subgroup)|\(s.study)") ? "RevMan marked the study not estimable" : nil
            add("study", subgroup, s.study, "estimate", shown(s.yi), skip: skip)
            add("study", subgroup, s.study, "ci_lower", shown(s.ciLower), skip: skip)
            add("study", subgroup, s.study, "ci_upper", shown(s.ciUpper), skip: skip)
            add("study", subgroup, s.study, "se", s.se, skip: skip)
            add("study", subgroup, s.study, "variance", s.vi, skip: skip)
            add("study", subgroup, s.study, "weight", s.weight, skip: skip ?? (totals == "NO" ? noTotals : nil))
        }
        // Stored statistics of studies metapipe left out (no events in either arm) and of entries
        // metapipe has no counterpart for.
        let left = Set((result.dropped ?? []).map(\.study))
        for key in order where !used.contains(key) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let revman = stored[key] else { continue }
            let (subgroup, study, statistic) = (parts[0], parts[1], parts[2])
            let level = !study.isEmpty ? "study" : !subgroup.isEmpty ? "subgroup" : statistic.hasSuffix("_between") ? "test" : "overall"
            let place = "\(subgroup)|\(study)"
            var status = Status.fail
            var reason = "metapipe has no value for this statistic"
            if notEstimable.contains(place) || (study.isEmpty && subgroup.isEmpty && overallSkip != nil) {
                status = .notComputed
                reason = overallSkip ?? "RevMan marked it not estimable"
            } else if left.contains(study) {
                reason = "metapipe left the study out"
            } else if totals == "NO" {
                status = .notComputed
                reason = noTotals
            }
            rows.append(VerificationReport.Row(level: level, subgroup: subgroup, study: study, statistic: statistic, revman: revman,
                                               metapipe: nil, difference: nil, status: status.rawValue, reason: reason))
        }
        if calculated && stored.isEmpty && result.estimable {
            // RevMan calculated the analysis, yet no stored statistic matches it (a results table edited
            // or cut short): that is a failed check, not a pass with nothing checked.
            rows.insert(VerificationReport.Row(level: "overall", subgroup: "", study: "", statistic: "stored statistics", revman: nil,
                                               metapipe: nil, difference: nil, status: Status.fail.rawValue,
                                               reason: "the results table holds no statistic of this analysis"), at: 0)
        }
        return VerificationReport(outcome: outcome, precision: precision, tolerance: tolerance(precision), calculated: calculated, rows: rows)
    }

    static func tolerance(_ precision: String) -> String {
        precision == "double"
            ? "1e-10 relative (RevMan's full-precision doubles); 5e-7 absolute for chi-square p-values, which RevMan computes with an approximation"
            : "half a unit in the sixth decimal (the package prints 6 decimals)"
    }

    static func within(_ ours: Double, _ revman: Double, statistic: String, precision: String) -> Bool {
        let difference = abs(ours - revman)
        if precision == "double" {
            if statistic == "p_chi2" || statistic == "p_between" { return difference <= 5e-7 }
            return difference <= 1e-10 * abs(revman) || difference <= 1e-12
        }
        return difference <= 5e-7 + 1e-9 * abs(revman)
    }

    /// `verify.csv`.
    static func csv(_ v: VerificationReport) -> Data {
        var csv = CSVWriter(header: ["level", "subgroup", "study", "statistic", "revman", "metapipe", "difference", "status", "reason"])
        for r in v.rows {
            csv.row([r.level, r.subgroup, r.study, r.statistic, CSVWriter.number(r.revman), CSVWriter.number(r.metapipe),
                     CSVWriter.number(r.difference), r.status, r.reason ?? ""])
        }
        return csv.data
    }
}
