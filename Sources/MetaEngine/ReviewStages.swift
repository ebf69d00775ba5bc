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
    mutating func addRiskOfBias() -> [String: [DrawnFigure]] {
        struct Parameters: Codable { var assessment: RiskOfBiasAssessment; var figure: String; var renderer: String }
        var figures: [String: [DrawnFigure]] = [:]
        for a in pipeline.riskOfBias where !a.rows.isEmpty {
            let folder = out(a.name)
            let captions = a.overallOnly
                ? [("traffic-light", "Overall risk of bias of each study (traffic-light plot)."),
                   ("summary", "Overall risk of bias: share of studies at each judgement.")]
                : [("traffic-light", "Risk of bias of each study, by domain (traffic-light plot)."),
                   ("summary", "Risk of bias: share of studies at each judgement, by domain.")]
            for (figure, caption) in captions {
                let p = Parameters(assessment: a, figure: figure, renderer: rendererVersion)
                let name = StageName.riskOfBias(assessment: a.name, figure: figure)
                stages.append(stage(name, parameters: parameters(p), origin: pipeline.file) { _ in
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
                    return StageOutput([.figure: Data(svg)], published: published)
                })
                let weighted = a.rows.allSatisfy { $0.weight != nil }
                figures[a.name, default: []].append(DrawnFigure(
                    kind: "risk-of-bias-\(figure)",
                    caption: figure == "summary" && weighted
                        ? (a.overallOnly ? "Overall risk of bias: share of weight at each judgement." : "Risk of bias: share of weight at each judgement, by domain.")
                        : caption,
                    files: ["png", "svg", "pdf"].map { "\(a.name)/\(figure).\($0)" }, stage: id(name)))
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

extension PipelineStages {
    static func n(_ value: Int?) -> String { value.map { "(n = \($0))" } ?? "(not reported)" }

    /// The PRISMA 2020 template's boxes from the counts.
    static func prismaInput(_ f: PrismaFlow) -> PrismaPlotInput {
        typealias Line = PrismaPlotInput.Line
        func sum(_ c: [PrismaFlow.Count]) -> Int? { c.allSatisfy { $0.n != nil } ? c.reduce(0) { $0 + ($1.n ?? 0) } : nil }
        var identified: [Line] = [Line("Records identified from:", bold: true)]
        if f.databases.isEmpty && f.registers.isEmpty {
            identified.append(Line("Databases and registers \(n(f.identified))"))
        }
        if !f.databases.isEmpty {
            identified.append(Line("Databases \(n(sum(f.databases)))"))
            identified += f.databases.map { Line("\($0.label) \(n($0.n))", indent: true) }
        }
        if !f.registers.isEmpty {
            identified.append(Line("Registers \(n(sum(f.registers)))"))
            identified += f.registers.map { Line("\($0.label) \(n($0.n))", indent: true) }
        }
        if let total = f.identifiedTotal, !(f.databases.isEmpty && f.registers.isEmpty) { identified.append(Line("Total (n = \(total))")) }
        let removed: [Line] = [Line("Records removed before screening:", bold: true),
                               Line("Duplicate records removed \(n(f.duplicates))", indent: true),
                               Line("Records marked as ineligible by automation tools \(n(f.automation))", indent: true),
                               Line("Records removed for other reasons \(n(f.otherRemoved))", indent: true)]
        var excluded: [Line]
        if f.excludedReasons.isEmpty {
            excluded = [Line("Reports excluded \(n(f.excludedTotal))")]
        } else {
            excluded = [Line("Reports excluded \(n(f.excludedEligibility)):", bold: true)]
            excluded += f.excludedReasons.map { Line("\($0.label) \(n($0.n))", indent: true) }
        }
        var included: [Line] = [Line("Studies included in review \(n(f.includedStudies))", bold: true),
                                Line("Reports of included studies \(n(f.includedReports))")]
        if f.quantitative != nil || f.qualitative != nil || f.metaAnalysis != nil {
            included.append(Line("In a quantitative synthesis \(n(f.quantitative))", indent: true))
            if f.metaAnalysis != nil { included.append(Line("of which in meta-analyses \(n(f.metaAnalysis))", indent: true)) }
            included.append(Line("In a qualitative synthesis \(n(f.qualitative))", indent: true))
        }
        let rows = [
            PrismaPlotInput.Row(phase: "Identification", main: identified, side: removed),
            .init(phase: "Screening", main: [Line("Records screened \(n(f.screened))")], side: [Line("Records excluded \(n(f.excludedScreening))")]),
            .init(phase: "Screening", main: [Line("Reports sought for retrieval \(n(f.sought))")], side: [Line("Reports not retrieved \(n(f.notRetrieved))")]),
            .init(phase: "Screening", main: [Line("Reports assessed for eligibility \(n(f.assessed))")], side: excluded),
            .init(phase: "Included", main: included),
        ]
        let allCounts: [Int?] = [f.identifiedTotal, f.duplicates, f.automation, f.otherRemoved, f.screened, f.excludedScreening, f.sought,
                                 f.notRetrieved, f.assessed, f.excludedEligibility, f.includedStudies, f.includedReports]
        let note = allCounts.contains { $0 == nil } ? "“Not reported”: the count is not given in the sources this pipeline uses." : nil
        return PrismaPlotInput(title: f.title, rows: rows, note: note)
    }

    /// The flow diagram's stage; returns its figure for the report.
    mutating func addPrisma() -> DrawnFigure? {
        guard let flow = pipeline.prisma else { return nil }
        struct Parameters: Codable { var flow: PrismaFlow; var renderer: String }
        let p = Parameters(flow: flow, renderer: rendererVersion)
        let folder = out("prisma")
        stages.append(stage(.prisma, parameters: parameters(p), origin: pipeline.file) { _ in
            let svg: [UInt8], png: [UInt8], pdf: [UInt8]
            do {
                let layout = try Plots.prisma(Self.prismaInput(p.flow))
                svg = try Plots.render(layout, as: .svg)
                png = try Plots.render(layout, as: .png, dpi: 150)
                pdf = try Plots.render(layout, as: .pdf)
            } catch {
                throw StageFailure("cannot draw the PRISMA flow diagram: \((error as? PlotError)?.message ?? "\(error)")")
            }
            return StageOutput([.figure: Data(svg)],
                               published: ["\(folder)/flow.png": Data(png), "\(folder)/flow.svg": Data(svg), "\(folder)/flow.pdf": Data(pdf)])
        })
        return DrawnFigure(kind: "prisma", caption: "PRISMA 2020 flow diagram of the study selection.",
                           files: ["prisma/flow.png", "prisma/flow.svg", "prisma/flow.pdf"], stage: id(.prisma))
    }
}

extension PipelineStages {
    /// The key of the flow diagram among the review's figures (no assessment may use it).
    static let prismaKey = "prisma"
}
