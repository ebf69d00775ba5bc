import Foundation
import MetaPipeline
import MetaReport

/// What the report needs of a risk-of-bias assessment.
struct RiskOfBiasInfo: Codable {
    var assessment: RiskOfBiasAssessment
    var path: String
    var figures: [ReportParameters.FigureInfo]
    /// Study → the titles of the analyses that pool it.
    var analyses: [String: [String]]
}

extension ReportParameters {
    static func riskOfBiasInfo(_ pipeline: Pipeline, figures: [String: [FigureInfo]]) -> [RiskOfBiasInfo] {
        var analyses: [String: [String]] = [:]
        for a in pipeline.analyses {
            for s in Set(a.studies.map(\.input.study)) { analyses[s, default: []].append(a.title) }
        }
        return pipeline.riskOfBias.map { a in
            RiskOfBiasInfo(assessment: a, path: relativeToPipeline(a.path, pipelineFile: pipeline.file),
                           figures: figures[a.name] ?? [], analyses: analyses.filter { k, _ in a.rows.contains { $0.study == k } })
        }
    }
}

extension ReportAssembly {
    static func riskOfBiasReports(_ p: ReportParameters, studies: [String: StudiesArtifact], figures svg: [String: String]) -> [RiskOfBiasReport] {
        p.riskOfBias.map { info in
            let a = info.assessment
            let rows = a.rows.map { r in
                RiskOfBiasReport.Study(study: r.study, domains: r.domains.map(\.title), overall: r.overall.title,
                                       analyses: info.analyses[r.study] ?? [])
            }
            let figures = info.figures.map { f in Figure(kind: f.kind, caption: f.caption, svg: f.svg.flatMap { svg[$0] }, files: f.files) }
            return RiskOfBiasReport(name: a.name, title: a.title, tool: a.tool.title, path: info.path,
                                    domains: a.domains.map(\.column), domainTitles: a.domains.map(\.title), studies: rows, figures: figures)
        }
    }
}
