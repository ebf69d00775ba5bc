import Foundation

/// A part of the report about the pipeline as a whole, after the analyses' sections: the sections
/// it contributes (none when the pipeline has nothing of its kind).
protocol PipelineSectionBuilder: Sendable {
    func sections(_ input: ReportInput) -> [ReportDocument.Section]
}

extension ReportBuilder {
    /// The pipeline-level sections in the order the report shows them. A new kind of section is a
    /// builder and one line here.
    static let pipelineSections: [any PipelineSectionBuilder] = [
        ComparisonSections(),
        SynthesisSections(),
        PrismaSection(),
        SummaryOfFindingsSection(),
        RiskOfBiasSections(),
        NotPooledSection(),
    ]
}

/// One table per `comparisons:` entry: our estimates beside the published ones.
struct ComparisonSections: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] { input.comparisons.map(ReportBuilder.comparison) }
}

/// One section per thematic synthesis.
struct SynthesisSections: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] { input.syntheses.map(ReportBuilder.synthesis) }
}

/// The PRISMA 2020 flow diagram (`prisma:`).
struct PrismaSection: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] {
        guard let f = input.prisma else { return [] }
        return [.init(id: "prisma", title: "Study selection (PRISMA 2020)", level: 2, blocks: [
            .paragraph([.text("The flow of records and reports from the searches to the included studies, from the counts in the pipeline file; a count not given in the sources is drawn as “not reported”.")]),
            .figure(f),
        ])]
    }
}

/// The GRADE summary of findings (`summary-of-findings:`).
struct SummaryOfFindingsSection: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] {
        input.summaryOfFindings.map { [ReportBuilder.summaryOfFindings($0)] } ?? []
    }
}

/// One section per risk-of-bias assessment.
struct RiskOfBiasSections: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] { input.riskOfBias.map(ReportBuilder.riskOfBias) }
}

/// The reviews' pools the pipeline cannot rebuild (`not-pooled:`), with why.
struct NotPooledSection: PipelineSectionBuilder {
    func sections(_ input: ReportInput) -> [ReportDocument.Section] {
        input.unavailable.isEmpty ? [] : [ReportBuilder.unavailable(input.unavailable)]
    }
}
