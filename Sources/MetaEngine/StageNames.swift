import Foundation
import MetaRunner

/// A stage of a pipeline's graph: what it does, and for which table, analysis or figure. Stages are
/// made, and their inputs named, from these; `stageID(in:)` is the one place that spells them as the
/// runner's ids ("bcg/pool:rr"), which name the stages in messages and key the cache.
enum StageName: Hashable, Sendable {
    /// A table read from its data source.
    case load(table: String)
    /// A table split into the rows each analysis' `where` keeps.
    case rows(table: String)
    case effects(analysis: String)
    case pool(analysis: String)
    case subgroups(analysis: String, column: String)
    case leaveOneOut(analysis: String)
    case cumulative(analysis: String)
    case influence(analysis: String)
    case gosh(analysis: String)
    case bias(analysis: String)
    case scenario(analysis: String, scenario: String)
    case result(analysis: String)
    /// A pair of RevMan tables split by outcome, for the `verify` entries that read them.
    case verifyRows(results: String, settings: String)
    case verify(analysis: String)
    /// One figure of an analysis ("forest", "forest-<column>", "funnel", …).
    case plot(analysis: String, figure: String)
    case synthesis(String)
    /// One figure ("traffic-light" or "summary") of a risk-of-bias assessment.
    case riskOfBias(assessment: String, figure: String)
    case prisma
    case reportSection(analysis: String)
    case report

    /// The stage's id in the pipeline's graph: `<pipeline>/<kind>[:<names>]`.
    func stageID(in pipeline: String) -> StageID {
        let local: String
        switch self {
        case .load(let table): local = "load:\(table)"
        case .rows(let table): local = "rows:\(table)"
        case .effects(let a): local = "effects:\(a)"
        case .pool(let a): local = "pool:\(a)"
        case let .subgroups(a, column): local = "subgroups:\(a):\(column)"
        case .leaveOneOut(let a): local = "leave-one-out:\(a)"
        case .cumulative(let a): local = "cumulative:\(a)"
        case .influence(let a): local = "influence:\(a)"
        case .gosh(let a): local = "gosh:\(a)"
        case .bias(let a): local = "bias:\(a)"
        case let .scenario(a, scenario): local = "scenario:\(a):\(scenario)"
        case .result(let a): local = "result:\(a)"
        case let .verifyRows(results, settings): local = "verify-rows:\(results):\(settings)"
        case .verify(let a): local = "verify:\(a)"
        case let .plot(a, figure): local = "plot:\(a):\(figure)"
        case .synthesis(let name): local = "synthesis:\(name)"
        case let .riskOfBias(assessment, figure): local = "risk-of-bias:\(assessment):\(figure)"
        case .prisma: local = "prisma"
        case .reportSection(let a): local = "report-section:\(a)"
        case .report: local = "report"
        }
        return StageID("\(pipeline)/\(local)")
    }

    /// The kind of work, part of the cache key.
    var kind: String {
        switch self {
        case .load: return "load"
        case .rows: return "rows"
        case .effects: return "effects"
        case .pool: return "pool"
        case .subgroups: return "subgroups"
        case .leaveOneOut: return "leave-one-out"
        case .cumulative: return "cumulative"
        case .influence: return "influence"
        case .gosh: return "gosh"
        case .bias: return "bias"
        case .scenario: return "scenario"
        case .result: return "result"
        case .verifyRows: return "verify-rows"
        case .verify: return "verify"
        case .plot: return "plot"
        case .synthesis: return "synthesis"
        case .riskOfBias: return "risk-of-bias"
        case .prisma: return "prisma"
        case .reportSection: return "report-section"
        case .report: return "report"
        }
    }
}

/// The name of an artifact a stage keeps for other stages to read.
struct ArtifactName: Hashable, Sendable, CustomStringConvertible {
    let rawValue: String
    private init(_ rawValue: String) { self.rawValue = rawValue }
    var description: String { rawValue }

    /// A loaded table (`load:`).
    static let table = ArtifactName("table.json")
    /// The effect sizes (`effects:`), numbers only.
    static let effects = ArtifactName("effects.json")
    /// Where each study's row is and what else it says (`effects:`).
    static let studies = ArtifactName("studies.json")
    static let pool = ArtifactName("pool.json")
    static let subgroups = ArtifactName("subgroups.json")
    static let leaveOneOut = ArtifactName("leave-one-out.json")
    static let cumulative = ArtifactName("cumulative.json")
    static let influence = ArtifactName("influence.json")
    /// The GOSH fits' summary; `goshPoints` holds the fits.
    static let gosh = ArtifactName("gosh.json")
    static let goshPoints = ArtifactName("points.bin")
    static let bias = ArtifactName("bias.json")
    static let scenario = ArtifactName("scenario.json")
    static let result = ArtifactName("result.json")
    static let verification = ArtifactName("verify.json")
    static let synthesis = ArtifactName("synthesis.json")
    /// The SVG of a figure, which the report inlines.
    static let figure = ArtifactName("figure.svg")
    /// The parts of an analysis' report (`report-section:`).
    static let sectionOutline = ArtifactName("section.json")
    static let sectionHTML = ArtifactName("section.html")
    static let sectionMarkdown = ArtifactName("section.md")
    static let resultsEntry = ArtifactName("results-entry.json")
    static let resultSummary = ArtifactName("summary.json")

    /// The rows of a table that an analysis' `where` keeps (`rows:`).
    static func selectedRows(analysis: String) -> ArtifactName { ArtifactName("\(analysis).json") }

    /// One outcome's rows of a RevMan table (`verify-rows:`); outcome ids are text such as "1.1",
    /// other characters than letters, digits, '.' and '-' are encoded.
    static func outcomeRows(_ outcome: String, _ table: String) -> ArtifactName {
        let safe = outcome.unicodeScalars.map { s -> String in
            (s.properties.isAlphabetic && s.isASCII) || ("0"..."9").contains(Character(s)) || s == "." || s == "-"
                ? String(Character(s)) : String(format: "_%04X", s.value)
        }.joined()
        return ArtifactName("\(table)-\(safe).json")
    }
}

extension ArtifactRef {
    init(_ stage: StageID, _ name: ArtifactName) { self.init(stage, name.rawValue) }
}

extension StageOutput {
    init(_ artifacts: [ArtifactName: Data], published: [String: Data] = [:]) {
        self.init(artifacts: Dictionary(uniqueKeysWithValues: artifacts.map { ($0.key.rawValue, $0.value) }), published: published)
    }
}
