import Foundation
import MetaPipeline
import MetaReport
import MetaStats

/// What the report stage needs from the pipeline file (its parameters).
struct ReportParameters: Codable {
    struct AnalysisInfo: Codable {
        var name: String
        var title: String
        var description: String?
        var labels: Labels
        var tables: [String]
        var figures: [FigureInfo]
    }
    struct FigureInfo: Codable {
        var kind: String
        var caption: String
        var files: [String]
        /// The SVG file whose text the HTML report inlines.
        var svg: String?
    }
    struct SynthesisInfo: Codable {
        var name: String
        var title: String
        var description: String?
        var figure: FigureInfo?
        var table: String
    }
    struct ComparisonInfo: Codable {
        var name: String
        var title: String
        var table: String
        var rows: [ComparisonRow]
    }
    var name: String
    var title: String
    var description: String?
    var file: String
    var version: String
    var sources: [ReportInput.DataSourceRow]
    var analyses: [AnalysisInfo]
    var syntheses: [SynthesisInfo]
    var comparisons: [ComparisonInfo]
    var unavailable: [ReportInput.Unavailable]
    var warnings: [String]
    /// Risk-of-bias assessments and their figures.
    var riskOfBias: [RiskOfBiasInfo] = []
    /// The PRISMA flow diagram.
    var prisma: FigureInfo?
    /// The GRADE summary of findings.
    var summaryOfFindings: SummaryOfFindings?

    init(pipeline: Pipeline, figures: [String: [FigureInfo]] = [:], synthesisFigures: [String: FigureInfo] = [:]) {
        name = pipeline.name
        title = pipeline.title
        description = pipeline.description
        // Paths as the pipeline file names them, so that the report is the same from any working folder.
        file = (pipeline.file as NSString).lastPathComponent
        version = Metapipe.version
        sources = pipeline.sources.map {
            ReportInput.DataSourceRow(name: $0.name, path: relativeToPipeline($0.path, pipelineFile: pipeline.file), kind: $0.kind.rawValue,
                                      rows: pipeline.tables[$0.name]?.table.rows.count ?? 0)
        }
        analyses = pipeline.analyses.map {
            AnalysisInfo(name: $0.name, title: $0.title, description: $0.description, labels: $0.labels,
                         tables: $0.selection.tables, figures: figures[$0.name] ?? [])
        }
        syntheses = pipeline.syntheses.map {
            SynthesisInfo(name: $0.name, title: $0.title, description: $0.description, figure: synthesisFigures[$0.name],
                          table: "\($0.name)/synthesis.csv")
        }
        comparisons = pipeline.comparisons.map { ComparisonInfo(name: $0.name, title: $0.title, table: $0.table, rows: $0.rows) }
        unavailable = pipeline.unavailable.map { ReportInput.Unavailable(title: $0.title, reason: $0.reason) }
        warnings = pipeline.warnings.filter { $0.severity == .warning }.map(\.message)
    }
}

/// Gathers the report's content from the artifacts.
enum ReportAssembly {
    static func input(_ p: ReportParameters, results: [String: ResultDocument], sources: [String: [AnalysisReport.StudySource]],
                      syntheses: [String: SynthesisArtifact], tables: [String: Table], verifications: [String: VerificationReport],
                      figures svg: [String: String]) -> ReportInput {
        var analyses: [AnalysisReport] = []
        for info in p.analyses {
            guard let result = results[info.name] else { continue }
            analyses.append(analysisReport(info, result: result, sources: sources[info.name] ?? [],
                                           verification: verifications[info.name], figures: svg))
        }
        let synthesisReports = p.syntheses.compactMap { info -> SynthesisReport? in
            guard let s = syntheses[info.name] else { return nil }
            let figure = info.figure.map { f in Figure(kind: f.kind, caption: f.caption, svg: f.svg.flatMap { svg[$0] }, files: f.files) }
            return SynthesisReport(name: info.name, title: info.title, description: info.description,
                                   themes: s.themes.map { .init(name: $0.name, definition: $0.definition, studies: $0.studies,
                                                               examples: Array($0.reported.prefix(3))) },
                                   studies: s.studies, figure: figure, table: info.table)
        }
        let comparisons = p.comparisons.map { c in comparison(c, results: results, table: tables[c.table]) }
        var input = ReportInput(pipeline: p.name, title: p.title, description: p.description, file: p.file,
                                metapipeVersion: p.version, sources: p.sources, analyses: analyses, syntheses: synthesisReports,
                                comparisons: comparisons, unavailable: p.unavailable, warnings: p.warnings)
        input.riskOfBias = riskOfBiasReports(p, figures: svg)
        input.summaryOfFindings = p.summaryOfFindings.map { findings($0, results: results) }
        input.prisma = p.prisma.map { f in Figure(kind: f.kind, caption: f.caption, svg: f.svg.flatMap { svg[$0] }, files: f.files) }
        return input
    }

    /// Data-source names → paths as the pipeline file names them.
    static func tablePaths(_ p: ReportParameters) -> [String: String] {
        Dictionary(p.sources.map { ($0.name, $0.path) }, uniquingKeysWith: { first, _ in first })
    }

    /// The rows an analysis used, with their source, flag and note, for the report.
    static func studySources(_ studies: StudiesArtifact, tablePaths: [String: String]) -> [AnalysisReport.StudySource] {
        studies.rows.map { row in
            AnalysisReport.StudySource(study: row.study, table: tablePaths[row.table] ?? row.table, line: row.line,
                                       source: nonEmpty(row.metadata["source"] ?? row.metadata["url"] ?? row.metadata["doi"]),
                                       flag: nonEmpty(row.metadata["flag"]), note: nonEmpty(row.metadata["note"]))
        }
    }

    static func analysisReport(_ info: ReportParameters.AnalysisInfo, result: ResultDocument, sources: [AnalysisReport.StudySource],
                               verification: VerificationReport?, figures svg: [String: String]) -> AnalysisReport {
        let figures = info.figures.map { f in Figure(kind: f.kind, caption: f.caption, svg: f.svg.flatMap { svg[$0] }, files: f.files) }
        return AnalysisReport(result: result, description: info.description,
                              labels: ["experimental": info.labels.experimental, "control": info.labels.control],
                              tables: info.tables, studySources: sources, figures: figures, verification: verification)
    }

    /// An SVG figure's text as the HTML report inlines it (without the XML declaration).
    static func svgText(_ data: Data) -> String {
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("<?xml"), let end = text.range(of: "?>\n") { text.removeSubrange(text.startIndex..<end.upperBound) }
        return text
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
        return t
    }

    static func comparison(_ c: ReportParameters.ComparisonInfo, results: [String: ResultDocument], table: Table?) -> ComparisonReport {
        var rows: [ComparisonReport.Row] = []
        for spec in c.rows {
            let result = results[spec.analysis]
            var ours: ComparisonReport.Numbers?
            var label = result?.title ?? spec.analysis
            let measure = result?.measure ?? .smd
            let shownMeasure = result.map(ShownMeasure.init) ?? .measure(measure)
            func shown(_ x: Double) -> Double { shownMeasure.display(x) }
            if let result {
                if let column = spec.subgroup, let group = spec.group,
                   let g = result.subgroups?[column]?.groups.first(where: { $0.name == group }) {
                    if let e = g.estimate, let lo = g.ciLower, let hi = g.ciUpper {
                        ours = .init(k: g.k, estimate: shown(e), ciLower: shown(lo), ciUpper: shown(hi), i2: g.k > 1 ? g.i2 : nil)
                    }
                    label += " — \(column): \(group)"
                } else if spec.subgroup == nil, let pooled = result.pooled {
                    ours = .init(k: result.k, estimate: shown(pooled.estimate), ciLower: shown(pooled.ciLower),
                                 ciUpper: shown(pooled.ciUpper), i2: result.heterogeneity?.i2)
                }
            }
            var published: [ComparisonReport.Published] = []
            if let table {
                for row in table.rows where spec.match.allSatisfy({ Selection.matches(table, row, $0) }) {
                    guard let e = Double(table.cell(row, "estimate")), let lo = Double(table.cell(row, "ci_lower")),
                          let hi = Double(table.cell(row, "ci_upper")) else { continue }
                    published.append(.init(review: table.cell(row, "review"), comparison: table.cell(row, "comparison"),
                                           numbers: .init(k: Int(table.cell(row, "k")), estimate: e, ciLower: lo, ciUpper: hi,
                                                          i2: Double(table.cell(row, "i2"))),
                                           source: nonEmpty(table.cell(row, "source"))))
                }
            }
            rows.append(.init(analysis: spec.analysis, label: label, measure: measure, ours: ours, published: published, note: spec.note))
        }
        return ComparisonReport(name: c.name, title: c.title, rows: rows)
    }
}
