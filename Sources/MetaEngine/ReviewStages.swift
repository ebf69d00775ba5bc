import Foundation
import MetaPipeline
import MetaPlot
import MetaReport
import MetaRunner

/// Stages of the review's other parts: risk-of-bias figures (traffic-light and summary plots).
extension PipelineStages {
    /// robvis's colours, one per judgement (symbols make them distinct in greyscale too).
    static func category(_ j: RiskOfBiasJudgement) -> RiskOfBiasCategory {
        switch j {
        case .low: return .init(label: j.title, symbol: j.symbol, colour: PlotColor(red: 2, green: 193, blue: 0))
        case .someConcerns, .moderate, .unclear:
            return .init(label: j.title, symbol: j.symbol, colour: PlotColor(red: 226, green: 223, blue: 7))
        case .high, .serious: return .init(label: j.title, symbol: j.symbol, colour: PlotColor(red: 191, green: 0, blue: 0), ink: .white)
        case .critical: return .init(label: j.title, symbol: j.symbol, colour: PlotColor(red: 110, green: 0, blue: 0), ink: .white)
        case .noInformation: return .init(label: j.title, symbol: j.symbol, colour: PlotColor(red: 78, green: 161, blue: 247))
        }
    }

    /// The judgements an assessment's figures show: the tool's vocabulary, less unused "no information"
    /// (and, for custom tools, unused words).
    static func shownJudgements(_ a: RiskOfBiasAssessment) -> [RiskOfBiasJudgement] {
        let used = Set(a.rows.flatMap { $0.domains + [$0.overall] })
        return a.tool.vocabulary.filter { used.contains($0) || (a.tool != .custom && $0 != .noInformation) }
    }

    static func trafficLightInput(_ a: RiskOfBiasAssessment) -> TrafficLightPlotInput {
        let shown = shownJudgements(a)
        let columns = a.domains.map(\.column) + ["Overall"]
        let titles = a.domains.map(\.title) + ["Overall"]
        let cells = a.rows.map { r in (r.domains + [r.overall]).map { shown.firstIndex(of: $0) ?? 0 } }
        let note = a.overallOnly
            ? "Only the overall judgement of each study is available; the domain-level judgements are not reported."
            : nil
        return TrafficLightPlotInput(title: a.title, columns: columns, columnTitles: titles, studies: a.rows.map(\.study),
                                     cells: cells, categories: shown.map(category), note: note)
    }

    static func summaryInput(_ a: RiskOfBiasAssessment) -> RiskOfBiasSummaryPlotInput {
        let shown = shownJudgements(a)
        let weighted = !a.rows.isEmpty && a.rows.allSatisfy { $0.weight != nil }
        func shares(_ judgement: (RiskOfBiasRow) -> RiskOfBiasJudgement) -> [Double] {
            shown.map { j in a.rows.filter { judgement($0) == j }.reduce(0.0) { $0 + (weighted ? ($1.weight ?? 0) : 1) } }
        }
        var rows = a.domains.enumerated().map { i, d in (d.title, shares { $0.domains[i] }) }
        rows.append(("Overall risk of bias", shares(\.overall)))
        let axis = weighted ? "Share of weight (\(a.rows.count) studies)" : "Share of studies (n = \(a.rows.count))"
        let note = a.overallOnly ? "Only the overall judgement of each study is available; the domain-level judgements are not reported." : nil
        return RiskOfBiasSummaryPlotInput(title: a.title + ": summary", rows: rows.map(\.0), shares: rows.map(\.1),
                                          categories: shown.map(category), axisTitle: axis, note: note)
    }

    /// One stage per figure of each assessment; returns the report's figure list per assessment.
    mutating func addRiskOfBias() -> [String: [ReportParameters.FigureInfo]] {
        struct Parameters: Codable { var assessment: RiskOfBiasAssessment; var figure: String; var renderer: String }
        var figures: [String: [ReportParameters.FigureInfo]] = [:]
        for a in pipeline.riskOfBias where !a.rows.isEmpty {
            let folder = out(a.name)
            for (figure, caption) in [("traffic-light", "Risk of bias of each study, by domain (traffic-light plot)."),
                                      ("summary", "Risk of bias: share of studies at each judgement, by domain.")] {
                let p = Parameters(assessment: a, figure: figure, renderer: rendererVersion)
                let stageID = id("risk-of-bias:\(a.name):\(figure)")
                stages.append(Stage(id: stageID, kind: "risk-of-bias", parameters: parameters(p), inputs: [],
                                    origin: pipeline.file) { _ in
                    let svg: [UInt8], png: [UInt8], pdf: [UInt8]
                    do {
                        let layout = p.figure == "summary" ? try Plots.riskOfBiasSummary(Self.summaryInput(p.assessment))
                                                           : try Plots.trafficLight(Self.trafficLightInput(p.assessment))
                        svg = try Plots.render(layout, as: .svg)
                        png = try Plots.render(layout, as: .png, dpi: 150)
                        pdf = try Plots.render(layout, as: .pdf)
                    } catch {
                        throw StageFailure("cannot draw the risk-of-bias \(p.figure) figure: \((error as? PlotError)?.message ?? "\(error)")")
                    }
                    var published = ["\(folder)/\(p.figure).png": Data(png), "\(folder)/\(p.figure).svg": Data(svg),
                                     "\(folder)/\(p.figure).pdf": Data(pdf)]
                    if p.figure == "traffic-light" { published["\(folder)/risk-of-bias.csv"] = Self.riskOfBiasCSV(p.assessment) }
                    return StageOutput(artifacts: ["figure.svg": Data(svg)], published: published)
                })
                let weighted = a.rows.allSatisfy { $0.weight != nil }
                figures[a.name, default: []].append(ReportParameters.FigureInfo(
                    kind: "risk-of-bias-\(figure)",
                    caption: figure == "summary" && weighted ? "Risk of bias: share of weight at each judgement, by domain." : caption,
                    files: ["png", "svg", "pdf"].map { "\(a.name)/\(figure).\($0)" }, svg: stageID.rawValue))
            }
        }
        return figures
    }

    static func riskOfBiasCSV(_ a: RiskOfBiasAssessment) -> Data {
        var csv = CSVWriter(header: ["study"] + a.domains.map(\.column) + ["overall"] + (a.rows.contains { $0.weight != nil } ? ["weight"] : []))
        for r in a.rows {
            csv.row([r.study] + r.domains.map(\.rawValue) + [r.overall.rawValue] + (r.weight.map { ["\($0)"] } ?? []))
        }
        return csv.data
    }
}
