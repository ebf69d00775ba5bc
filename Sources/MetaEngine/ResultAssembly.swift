import Foundation
import MetaPipeline
import MetaReport
import MetaStats

/// Turns an analysis' stage artifacts into `result.json` and its CSV tables.
enum ResultAssembly {
    static func document(_ p: PipelineStages.ResultParameters, effects: EffectsArtifact, pool: MetaAnalysis?,
                         subgroups: [String: SubgroupAnalysis], leaveOneOut: [SensitivityRow]?,
                         cumulative: [SensitivityRow]?, bias: BiasArtifact?, scenarios: [ScenarioArtifact]) -> ResultDocument {
        var warnings = effects.dropped.map { "study '\($0.study)' was left out: \($0.reason)" } + (pool?.warnings ?? [])
        if pool == nil { warnings.append("no study has an estimable effect, so the analysis is not estimable") }
        let totals = p.totals ?? .overall
        var subgroupDocs: [String: ResultDocument.Subgroups] = [:]
        // In the order the pipeline lists the columns (a dictionary's order changes from run to run).
        for column in p.subgroups {
            guard let s = subgroups[column] else { continue }
            var groups: [ResultDocument.Subgroups.Group] = []
            for g in s.groups {
                let p = g.analysis.pooled, h = g.analysis.heterogeneity
                groups.append(.init(name: g.name, k: g.analysis.k, estimate: p.estimate, se: p.se, ciLower: p.ciLower,
                                    ciUpper: p.ciUpper, statistic: p.statistic, pValue: p.pValue, tau2: h?.tau2 ?? 0, i2: h?.i2 ?? 0,
                                    q: h?.q, df: h?.df, qPValue: h?.pValue, studies: g.analysis.studies.map(\.study)))
            }
            // Subgroups whose every study was left out: "Not estimable", as RevMan shows them.
            if let labels = effects.droppedGroups {
                for (d, label) in zip(effects.dropped, labels) {
                    guard let name = label[column] else { continue }
                    if let i = groups.firstIndex(where: { $0.name == name }) {
                        if groups[i].notEstimable == true { groups[i].studies.append(d.study) }
                    } else {
                        groups.append(.notEstimable(name, studies: [d.study]))
                    }
                }
            }
            if let order = effects.groupOrder?[column] {
                groups.sort { (order.firstIndex(of: $0.name) ?? order.count) < (order.firstIndex(of: $1.name) ?? order.count) }
            }
            subgroupDocs[column] = .init(groups: groups, qBetween: s.qBetween, df: s.df, pValue: s.pValue, i2: s.i2)
            warnings += s.warnings.map { "subgroups by \(column): \($0)" }
        }
        var biasDoc: ResultDocument.Bias?
        let k = pool?.k ?? 0
        if let bias {
            biasDoc = .init(egger: bias.egger, begg: bias.begg,
                            trimfill: bias.trimfill.map(ResultDocument.Bias.TrimFill.init),
                            unavailable: bias.unavailable.isEmpty ? nil : bias.unavailable)
            if k < 10 && (bias.egger != nil || bias.begg != nil || bias.trimfill != nil) {
                warnings.append("small-study checks with k = \(k) (fewer than 10 studies) have too little power to judge small-study effects")
            }
        }
        let scenarioDocs = scenarios.map { s in
            ResultDocument.Scenario(name: s.name, description: s.description, changes: s.changes, k: s.analysis.k,
                                    measure: s.measure, model: s.analysis.options.model,
                                    method: s.analysis.method, test: s.analysis.options.test,
                                    studies: s.analysis.studies.map(\.study), pooled: .init(s.analysis.pooled),
                                    heterogeneity: s.analysis.heterogeneity,
                                    warnings: s.dropped.map { "study '\($0.study)' was left out: \($0.reason)" } + s.analysis.warnings,
                                    regression: s.regression)
        }
        let options = pool?.options ?? p.settings.pooling
        var settings = ResultDocument.Settings(profile: p.settings.profile, smd: p.settings.smd,
                                               i2: options.i2, z: options.zCritical,
                                               predictionInterval: options.predictionInterval && options.model == .random,
                                               tau2CI: options.tau2ConfidenceInterval && options.model == .random,
                                               convergence: options.convergence, direction: p.settings.direction,
                                               iterations: pool?.iterations, scale: p.scale,
                                               totals: totals == .overall ? nil : totals,
                                               pNormal: options.normalTail == .as66 ? .as66 : nil)
        settings.prePostR = p.settings.measure.isPrePost ? p.settings.prePostR : nil
        var studies = (pool?.studies ?? []).map(ResultDocument.Study.init)
        if totals == .subgroups, let column = p.subgroups.first, let s = subgroups[column] {
            // Weights are percentages within each subgroup (RevMan's TOTALS="SUB").
            var within: [String: Double] = [:]
            for g in s.groups { for st in g.analysis.studies { within[st.study] = st.weight } }
            for i in studies.indices { if let w = within[studies[i].study] { studies[i].weight = w } }
        }
        let showTotals = totals == .overall
        var doc = ResultDocument(
            analysis: p.analysis, title: p.title, measure: effects.measure, model: options.model,
            method: pool?.method ?? options.method, test: options.test, level: options.level, k: k,
            settings: settings, studies: studies, dropped: effects.dropped.isEmpty ? nil : effects.dropped,
            pooled: showTotals ? pool.map { .init($0.pooled) } : nil,
            notEstimable: pool == nil ? "no study has an estimable effect" : nil,
            heterogeneity: showTotals ? pool?.heterogeneity : nil,
            subgroups: subgroupDocs.isEmpty || totals == .none ? nil : subgroupDocs,
            leaveOneOut: leaveOneOut?.map(ResultDocument.LeaveOneOut.init),
            cumulative: cumulative?.map(ResultDocument.LeaveOneOut.init),
            bias: biasDoc, sensitivity: scenarioDocs.isEmpty ? nil : scenarioDocs, warnings: warnings,
            metapipeVersion: p.version)
        addBackTransforms(&doc, effects: effects)
        return doc
    }

    /// The meta-regression of effects on moderator columns (each study's cells in `metadata`, in the
    /// order of `effects`), with the model, τ² estimator, test, level and convergence of `settings`.
    static func regression(_ columns: [String], effects: [EffectSize], metadata: [[String: String]],
                           settings: ResolvedSettings) throws -> ResultDocument.Regression {
        ResultDocument.Regression(try fitRegression(columns, effects: effects, metadata: metadata, pooling: settings.pooling).fit,
                                  moderators: columns)
    }

    /// The fit behind `regression` (and the bubble plot's line): the moderators read from the studies'
    /// cells, the model, τ² estimator, test, level and convergence of `pooling`.
    static func fitRegression(_ columns: [String], effects: [EffectSize], metadata: [[String: String]],
                              pooling options: PoolingOptions) throws -> (fit: MetaRegression, moderators: [Moderator]) {
        let moderators = columns.map { c in Moderator.column(c, cells: metadata.map { $0[c] ?? "" }) }
        let method: PoolingMethod? = options.model == .fixed ? nil : options.method
        do {
            let fit = try MetaRegressionFit.fit(y: effects.map(\.yi), v: effects.map(\.vi), moderators: moderators,
                                                method: method, test: options.test, level: options.level,
                                                convergence: options.convergence)
            return (fit, moderators)
        } catch {
            throw StageFailure("the meta-regression cannot be fitted: \(error.message)")
        }
    }

    /// `back_transformed` for a measure shown on another scale than it is pooled on: the pooled
    /// estimate, each subgroup, each leave-one-out and cumulative row and each scenario. PFT uses the
    /// harmonic mean of the sizes of the studies each result pools (metafor's `transf.ipft.hm`).
    static func addBackTransforms(_ doc: inout ResultDocument, effects: EffectsArtifact) {
        let measure = effects.measure
        let sizes = Dictionary(effects.effects.compactMap { e in e.n1.map { (e.study, $0) } }, uniquingKeysWith: { a, _ in a })
        let all = doc.studies.map(\.study)
        func transform(_ studies: [String]) -> BackTransform? { measure.backTransform(sizes: studies.compactMap { sizes[$0] }) }
        if measure == .pft, case .inverseFreemanTukey(let n)? = transform(all) { doc.settings.harmonicN = n }
        if let p = doc.pooled, let t = transform(all) {
            doc.pooled?.backTransformed = BackTransformedEstimate(t, estimate: p.estimate, ciLower: p.ciLower, ciUpper: p.ciUpper,
                                                                  piLower: p.piLower, piUpper: p.piUpper)
        }
        for (column, var subgroups) in doc.subgroups ?? [:] {
            for i in subgroups.groups.indices {
                let g = subgroups.groups[i]
                guard let e = g.estimate, let l = g.ciLower, let u = g.ciUpper, let t = transform(g.studies) else { continue }
                subgroups.groups[i].backTransformed = BackTransformedEstimate(t, estimate: e, ciLower: l, ciUpper: u)
            }
            doc.subgroups?[column] = subgroups
        }
        // Only PFT's transformation depends on the studies (its harmonic mean): the others are the same
        // for every row, and listing the other k − 1 studies per row made a large analysis quadratic.
        let shared = measure == .pft ? nil : transform([])
        for i in (doc.leaveOneOut ?? []).indices {
            guard let r = doc.leaveOneOut?[i], let t = shared ?? (measure == .pft ? transform(all.filter { $0 != r.omitted }) : nil)
            else { continue }
            doc.leaveOneOut?[i].backTransformed = BackTransformedEstimate(t, estimate: r.estimate, ciLower: r.ciLower, ciUpper: r.ciUpper)
        }
        for i in (doc.cumulative ?? []).indices {
            // PFT's harmonic mean would need each row's studies; the other transformations need none.
            guard let r = doc.cumulative?[i], measure != .pft, let t = transform(all) else { continue }
            doc.cumulative?[i].backTransformed = BackTransformedEstimate(t, estimate: r.estimate, ciLower: r.ciLower, ciUpper: r.ciUpper)
        }
        for i in (doc.sensitivity ?? []).indices {
            guard let s = doc.sensitivity?[i] else { continue }
            let m = s.measure
            guard let t = m == measure ? transform(s.studies) : (m == .pft ? nil : m.backTransform()) else { continue }
            let p = s.pooled
            doc.sensitivity?[i].pooled.backTransformed = BackTransformedEstimate(t, estimate: p.estimate, ciLower: p.ciLower,
                                                                                 ciUpper: p.ciUpper, piLower: p.piLower, piUpper: p.piUpper)
        }
    }

    /// `studies.csv`: per study, the data it reports, yi, vi, se, CI, weight and how yi was computed.
    static func studiesCSV(_ doc: ResultDocument, effects: EffectsArtifact, subgroups: [String]) -> Data {
        let hasArms = effects.effects.contains { $0.arms != nil }
        let hasCounts = effects.effects.contains { $0.counts != nil }
        let hasSizes = effects.effects.contains { $0.n1 != nil }
        var header = ["study"] + subgroups + ["input"]
        if hasArms { header += ["n1", "mean1", "sd1", "n2", "mean2", "sd2"] }
        else if hasSizes && !hasCounts { header += ["n1", "n2"] }
        if hasCounts { header += ["events1", "total1", "events2", "total2"] }
        header += ["yi", "vi", "se", "ci_lower", "ci_upper", "weight"]
        var csv = CSVWriter(header: header)
        // Each study's effect by its label, found in one pass (a lookup per study would be quadratic in k).
        var indexOf: [String: Int] = [:]
        for (i, e) in effects.effects.enumerated() where indexOf[e.study] == nil { indexOf[e.study] = i }
        for (i, s) in doc.studies.enumerated() {
            let index = indexOf[s.study] ?? i
            let e = effects.effects[index]
            let groups = index < effects.groups.count ? effects.groups[index] : [:]
            var row = [s.study] + subgroups.map { groups[$0] ?? "" } + [s.input]
            if hasArms {
                if let a = e.arms {
                    row += [a.n1, a.mean1, a.sd1, a.n2, a.mean2, a.sd2].map(CSVWriter.number)
                } else {
                    row += [CSVWriter.number(e.n1), "", "", CSVWriter.number(e.n2), "", ""]
                }
            } else if hasSizes && !hasCounts {
                row += [CSVWriter.number(e.n1), CSVWriter.number(e.n2)]
            }
            if hasCounts {
                row += e.counts.map { [$0.events1, $0.total1, $0.events2, $0.total2].map(CSVWriter.number) } ?? ["", "", "", ""]
            }
            row += [s.yi, s.vi, s.se, s.ciLower, s.ciUpper, s.weight].map(CSVWriter.number)
            csv.row(row)
        }
        return csv.data
    }

    /// `leave-one-out.csv` and `cumulative.csv`.
    static func sensitivityCSV(_ rows: [SensitivityRow], header first: String) -> Data {
        var csv = CSVWriter(header: [first, "k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "p_value", "tau2", "i2", "h2", "q", "q_p_value"])
        for r in rows {
            csv.row([r.study, String(r.k)] + [r.estimate, r.se, r.ciLower, r.ciUpper, r.statistic, r.pValue, r.tau2, r.i2, r.h2, r.q, r.qPValue].map(CSVWriter.number))
        }
        return csv.data
    }
}

/// Groups reported themes into analytic themes: themes by the number of studies supporting them
/// (most first), studies in the order of the themes table.
enum Synthesize {
    static func themes(themes: Table, mapping: Table, definitions: Table?, study: String, theme: String, analytic: String)
        -> SynthesisArtifact
    {
        var analyticOf: [String: String] = [:]
        var order: [String] = []
        for row in mapping.rows {
            let key = mapping.cell(row, study) + "\u{1F}" + mapping.cell(row, theme)
            let a = mapping.cell(row, analytic)
            analyticOf[key] = a
            if !order.contains(a) { order.append(a) }
        }
        var studiesOf: [String: [String]] = [:]
        var reportedOf: [String: [String]] = [:]
        var allStudies: [String] = []
        for row in themes.rows {
            let s = themes.cell(row, study)
            let t = themes.cell(row, theme)
            if !allStudies.contains(s) { allStudies.append(s) }
            guard let a = analyticOf[s + "\u{1F}" + t] else { continue }
            if !(studiesOf[a] ?? []).contains(s) { studiesOf[a, default: []].append(s) }
            reportedOf[a, default: []].append("\(t) (\(s))")
        }
        var definitionOf: [String: String] = [:]
        if let definitions {
            for row in definitions.rows { definitionOf[definitions.cell(row, analytic)] = definitions.cell(row, "definition") }
        }
        let ranked = order.filter { studiesOf[$0] != nil }.enumerated().sorted { a, b in
            let na = studiesOf[a.element]!.count, nb = studiesOf[b.element]!.count
            return na != nb ? na > nb : a.offset < b.offset
        }.map(\.element)
        let result = ranked.map {
            SynthesisArtifact.Theme(name: $0, definition: definitionOf[$0], studies: studiesOf[$0]!, reported: reportedOf[$0]!)
        }
        return SynthesisArtifact(themes: result, studies: allStudies)
    }
}
