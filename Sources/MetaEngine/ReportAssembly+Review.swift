import Foundation
import MetaPipeline
import MetaReport
import MetaStats

/// What the report needs of a risk-of-bias assessment.
struct RiskOfBiasInfo: Codable {
    var assessment: RiskOfBiasAssessment
    var path: String
    var figures: [ReportParameters.FigureInfo]
    /// Study → the titles of the analyses that pool it.
    var analyses: [String: [String]]
    /// Studies the analyses pool that the assessment does not judge, in the analyses' order (nil: none).
    var unjudged: [String]?
}

extension ReportParameters {
    static func riskOfBiasInfo(_ pipeline: Pipeline, figures: [String: [FigureInfo]]) -> [RiskOfBiasInfo] {
        var analyses: [String: [String]] = [:]
        for a in pipeline.analyses {
            for s in Set(a.studies.map(\.input.study)) { analyses[s, default: []].append(a.title) }
        }
        // Every pooled study once, in order of first appearance (sets for membership: k can be 100,000).
        var pooled: [String] = []
        var seen: Set<String> = []
        for a in pipeline.analyses { for s in a.studies.map(\.input.study) where seen.insert(s).inserted { pooled.append(s) } }
        return pipeline.riskOfBias.map { a in
            let judged = Set(a.rows.map(\.study))
            let unjudged = pooled.filter { !judged.contains($0) }
            return RiskOfBiasInfo(assessment: a, path: relativeToPipeline(a.path, pipelineFile: pipeline.file),
                                  figures: figures[a.name] ?? [], analyses: analyses.filter { k, _ in judged.contains(k) },
                                  unjudged: unjudged.isEmpty ? nil : unjudged)
        }
    }
}

extension ReportAssembly {
    static func riskOfBiasReports(_ p: ReportParameters, figures svg: [String: String]) -> [RiskOfBiasReport] {
        p.riskOfBias.map { info in
            let a = info.assessment
            let rows = a.rows.map { r in
                RiskOfBiasReport.Study(study: r.study, domains: r.domains.map(\.title), overall: r.overall.title,
                                       analyses: info.analyses[r.study] ?? [])
            }
            let figures = info.figures.map { f in Figure(kind: f.kind, caption: f.caption, svg: f.svg.flatMap { svg[$0] }, files: f.files) }
            return RiskOfBiasReport(name: a.name, title: a.title, tool: a.tool.title, path: info.path,
                                    domains: a.domains.map(\.column), domainTitles: a.domains.map(\.title), studies: rows, figures: figures,
                                    unjudged: info.unjudged ?? [])
        }
    }
}

extension ReportAssembly {
    static func findings(_ s: SummaryOfFindings, results: [String: ResultDocument]) -> FindingsReport {
        var rows: [FindingsReport.Row] = []
        for o in s.outcomes {
            guard let r = results[o.analysis] else { continue }
            let measure = ShownMeasure(r)
            func display(_ x: Double) -> Double { measure.display(x) }
            let pooledStudies = r.studies.map(\.study)
            let participants = pooledStudies.compactMap { o.studies[$0]?.participants }
            let total = participants.count == pooledStudies.count ? Int(participants.reduce(0, +).rounded()) : nil
            var effect = "not estimable", absolute = "–"
            if let p = r.pooled {
                let name = measure == .logGeneric ? measure.name : r.measure.rawValue
                effect = "\(name) \(measure.interval(p.estimate, p.ciLower, p.ciUpper))"
                if let binary = r.measure.binary {
                    let risks = pooledStudies.compactMap { o.studies[$0]?.controlRisk }
                    if let cr = o.assumedRisk ?? Findings.median(risks) {
                        let per = { (x: Double) in Int((Findings.interventionRisk(control: cr, effect: x, measure: binary) * 1000).rounded()) }
                        let base = Int((cr * 1000).rounded())
                        let lo = per(display(p.ciLower)), hi = per(display(p.ciUpper)), est = per(display(p.estimate))
                        let diff = est - base
                        absolute = "\(base) per 1,000 with control (\(o.assumedRisk == nil ? "median control-arm risk" : "assumed")); \(est) per 1,000 (\(min(lo, hi)) to \(max(lo, hi))) with the intervention: \(abs(diff)) \(diff <= 0 ? "fewer" : "more") per 1,000"
                    }
                } else if r.measure.isStandardised {
                    // A standardised mean change reads on the SMD's scale (Cochrane Handbook 15.5.3.1).
                    let size = Findings.smdSize(p.estimate)
                    let words = r.measure == .smd ? size : size.replacingOccurrences(of: "difference", with: "change")
                    absolute = "\(words.prefix(1).uppercased() + words.dropFirst()) (\(r.measure.rawValue) \(Findings.fixed(p.estimate, 2)); 0.2 small, 0.5 moderate, 0.8 large)"
                }
            }
            let weights = r.studies.map { ($0.study, $0.weight) }
            let judged = weights.filter { o.studies[$0.0]?.riskOfBiasLevel != nil }
            var highShare: Double?
            if !judged.isEmpty {
                let all = weights.reduce(0) { $0 + $1.1 }
                let high = weights.filter { (o.studies[$0.0]?.riskOfBiasLevel ?? 0) >= 2 && (o.studies[$0.0]?.riskOfBiasLevel ?? 0) <= 3 }.reduce(0) { $0 + $1.1 }
                highShare = all > 0 ? high / all : nil
            }
            let suggestions = Findings.suggestions(r, threshold: o.threshold, highRiskShare: highShare, display: display, null: measure.isRatio ? 1 : 0)
            rows.append(.init(outcome: o.title, studies: r.k, participants: total, effect: effect, absolute: absolute,
                              certainty: o.certainty.rawValue,
                              downgrades: o.downgrades.map { .init(domain: $0.domain.title, levels: $0.levels, reason: $0.reason) },
                              suggestions: suggestions))
        }
        return FindingsReport(title: s.title, rows: rows)
    }
}
