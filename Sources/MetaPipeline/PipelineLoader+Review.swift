import Foundation
import Yams

/// `risk-of-bias: low` (or `not-high`) in a scenario: pool only the studies so judged overall.
public enum RiskOfBiasFilter: String, CaseIterable, Sendable, Codable, Hashable {
    /// Only studies at low risk of bias overall.
    case low
    /// Studies not at high (serious, critical) risk overall: low and some concerns / moderate.
    case notHigh = "not-high"

    func keeps(_ j: RiskOfBiasJudgement) -> Bool {
        switch self {
        case .low: return j == .low
        case .notHigh: return j.level <= 1
        }
    }

    var words: String {
        switch self {
        case .low: return "only studies at low risk of bias overall"
        case .notHigh: return "only studies not at high risk of bias overall"
        }
    }
}

extension Loader {
    static let riskOfBiasKeys = ["title", "tool", "data", "study", "domains", "overall", "weight"]

    /// `risk-of-bias:` — assessment name → {tool, data, study, domains, overall, weight, title}.
    mutating func readRiskOfBias(_ node: Node) -> [RiskOfBiasAssessment] {
        guard let pairs = reader.mapping(node, "'risk-of-bias'") else { return [] }
        if pairs.isEmpty { reader.error(node, "'risk-of-bias' is empty; name an assessment, e.g. rob: {tool: rob2, data: rob}") }
        var result: [RiskOfBiasAssessment] = []
        for pair in pairs {
            let what = "risk-of-bias assessment '\(escapedForMessage(pair.key))'"
            guard checkFolderName(pair.key, "risk-of-bias assessment", at: pair.keyNode) else { continue }
            if pair.key == "prisma" {
                reader.error(pair.keyNode, "risk-of-bias assessment name 'prisma' is the flow diagram's folder; choose another name")
                continue
            }
            guard let fields = reader.mapping(pair.value, what) else { continue }
            reader.checkKeys(fields, allowed: Loader.riskOfBiasKeys, in: what)
            reader.require(["tool", "data"], in: fields, at: pair.keyNode, what: what)
            func value(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
            guard let toolNode = value("tool"), let tool = reader.choice(toolNode, RiskOfBiasTool.self, "risk-of-bias tool") else { continue }
            guard let dataNode = value("data"), let tableName = reader.name(dataNode, "'data' of \(what)") else { continue }
            guard sources.contains(where: { $0.name == tableName }) else {
                var message = "\(what) reads table '\(tableName)', which 'data' does not define"
                if let s = suggestion(for: tableName, among: sources.map(\.name)) { message += "; did you mean '\(s)'?" }
                reader.error(dataNode, message)
                continue
            }
            guard let loaded = tables[tableName] else { continue }
            let table = loaded.table
            let studyColumn = value("study").flatMap { reader.name($0, "'study' of \(what)") } ?? "study"
            let overallColumn = value("overall").flatMap { reader.name($0, "'overall' of \(what)") } ?? "overall"
            let weightColumn = value("weight").flatMap { reader.name($0, "'weight' of \(what)") }
            // Columns are matched without regard to case ("d1" for "D1").
            func column(_ name: String) -> String? {
                table.header.first { $0 == name } ?? table.header.first { $0.lowercased() == name.lowercased() }
            }
            func missingColumn(_ name: String, _ role: String, at n: Node) {
                var message = "\(what): table '\(tableName)' (\(table.path)) has no column '\(name)' (\(role))"
                if let s = suggestion(for: name, among: table.header) { message += "; did you mean '\(s)'?" }
                else { message += "; it has \(quotedList(table.header))" }
                reader.error(n, message)
            }
            var domains: [RiskOfBiasDomain] = []
            if let n = value("domains") {
                guard tool == .custom else {
                    reader.error(n, "\(what): 'domains' is for tool: custom; \(tool.title) has its own domains (\(tool.standardDomains.map(\.column).joined(separator: ", ")))")
                    continue
                }
                for item in reader.list(n, "'domains' of \(what)") ?? [] {
                    if case .mapping = item, let kv = reader.mapping(item, "a domain of \(what)"), kv.count == 1,
                       let title = reader.string(kv[0].value, "the heading of domain '\(kv[0].key)'") {
                        domains.append(.init(column: kv[0].key, title: title))
                    } else if let c = reader.name(item, "each entry of 'domains'") {
                        domains.append(.init(column: c, title: c))
                    }
                }
            } else if tool == .custom {
                reader.error(pair.keyNode, "\(what): tool: custom needs 'domains', a list of the table's domain columns (optionally {column: heading})")
                continue
            } else {
                // The standard domains, or none when the table gives the overall judgement only.
                let standard = tool.standardDomains
                let present = standard.filter { column($0.column) != nil }
                if !present.isEmpty {
                    let absent = standard.filter { column($0.column) == nil }
                    if !absent.isEmpty {
                        reader.error(dataNode, "\(what): table '\(tableName)' (\(table.path)) has \(tool.title) domain \(present.count == 1 ? "column" : "columns") \(present.map(\.column).joined(separator: ", ")) but not \(absent.map(\.column).joined(separator: ", ")) (\(absent.map { $0.title.lowercased() }.joined(separator: "; "))); give all \(standard.count) domains, or only 'overall' when the domain judgements are not available")
                        continue
                    }
                    domains = standard
                }
            }
            var ok = true
            for (name, role) in [(studyColumn, "the study names"), (overallColumn, "the overall judgement")] + domains.map({ ($0.column, "domain '\($0.title)'") })
            where column(name) == nil {
                missingColumn(name, role, at: dataNode)
                ok = false
            }
            if let w = weightColumn, column(w) == nil { missingColumn(w, "the weights", at: dataNode); ok = false }
            guard ok else { continue }
            let allowed = tool.vocabulary.map(\.rawValue)
            var rows: [RiskOfBiasRow] = []
            var seen: [String: Int] = [:]
            for row in table.rows {
                let study = table.cell(row, column(studyColumn)!)
                if study.isEmpty {
                    extra.append(loaded.cellDiagnostic(row, column: studyColumn, "this risk-of-bias row has no study name"))
                    continue
                }
                if let first = seen[study] {
                    extra.append(loaded.cellDiagnostic(row, column: studyColumn, "study '\(study)' has a second row in risk-of-bias table '\(tableName)' (first on line \(first)); keep one row per study"))
                    continue
                }
                seen[study] = row.line
                riskOfBiasStudies.insert(study)
                func judgement(_ c: String) -> RiskOfBiasJudgement? {
                    let cell = table.cell(row, column(c)!)
                    if let j = RiskOfBiasJudgement.parse(cell, tool: tool) { return j }
                    var message = cell.isEmpty
                        ? "study '\(study)' has no \(c) judgement; write \(quotedList(allowed)) (\(tool.title))"
                        : "'\(cell)' is not a \(tool.title) judgement; expected \(quotedList(allowed))"
                    if !cell.isEmpty, let s = suggestion(for: cell, among: allowed) {
                        message = "'\(cell)' is not a \(tool.title) judgement; did you mean '\(s)'? (expected \(quotedList(allowed)))"
                    } else if let other = RiskOfBiasTool.allCases.first(where: { $0 != tool && $0 != .custom && RiskOfBiasJudgement.parse(cell, tool: $0) != nil }) {
                        message = "'\(cell)' is a \(other.title) judgement, not a \(tool.title) one; \(tool.title) uses \(quotedList(allowed)) (or name tool: \(other.rawValue))"
                    }
                    extra.append(loaded.cellDiagnostic(row, column: column(c)!, message))
                    return nil
                }
                let judged = domains.map { judgement($0.column) }
                let overall = judgement(overallColumn)
                var weight: Double?
                if let w = weightColumn {
                    let cell = table.cell(row, column(w)!)
                    if let v = Double(cell), v.isFinite, v >= 0 { weight = v } else {
                        extra.append(loaded.cellDiagnostic(row, column: column(w)!, "study '\(study)' has weight '\(cell)'; a weight must be a number ≥ 0"))
                    }
                }
                guard let overall, judged.allSatisfy({ $0 != nil }) else { continue }
                rows.append(RiskOfBiasRow(study: study, domains: judged.compactMap { $0 }, overall: overall, weight: weight, line: row.line))
            }
            if table.rows.isEmpty { reader.error(dataNode, "\(what): table '\(tableName)' has no rows; give one row per study") }
            let title = value("title").flatMap { reader.string($0, "'title' of \(what)") }
                ?? (domains.isEmpty ? "Risk of bias (\(tool.title), overall judgements)" : "Risk of bias (\(tool.title))")
            result.append(RiskOfBiasAssessment(name: pair.key, title: title, tool: tool, table: tableName, path: table.path,
                                               domains: domains, rows: rows))
            riskOfBiasNodes[pair.key] = pair.keyNode
        }
        return result
    }

    /// Every study of an analysis should be judged, and every judged study should be in an analysis
    /// (warnings: a study may be in the review but not in a pool, and a pool may use studies the
    /// assessment has not reached yet).
    mutating func checkRiskOfBias(_ assessments: [RiskOfBiasAssessment], analyses: [Analysis]) {
        guard !assessments.isEmpty else { return }
        for a in assessments where analysisNames.contains(a.name) {
            if let node = riskOfBiasNodes[a.name] {
                reader.error(node, "risk-of-bias assessment name '\(a.name)' is also an analysis name; each writes to its own folder, so names must differ")
            }
        }
        let judged = riskOfBiasStudies
        let allJudged = assessments.flatMap { $0.rows.map(\.study) }
        for a in analyses {
            let missing = a.studies.map(\.input.study).filter { !judged.contains($0) }
            guard !missing.isEmpty, let node = riskOfBiasNodes[assessments[0].name] else { continue }
            let listed = missing.map { s in
                "'\(s)'" + (Loader.studySuggestion(for: s, among: allJudged).map { " (did you mean '\($0)'?)" } ?? "")
            }
            reader.warning(node, "analysis '\(a.name)' pools \(missing.count == 1 ? "a study" : "studies") with no risk-of-bias row: \(listed.joined(separator: ", ")); add \(missing.count == 1 ? "a row" : "rows") to the risk-of-bias table (study names must match exactly)")
        }
        let pooled = Set(analyses.flatMap { $0.studies.map(\.input.study) })
        let pooledList = Array(pooled).sorted()
        for assessment in assessments {
            guard let loaded = tables[assessment.table] else { continue }
            for r in assessment.rows where !pooled.contains(r.study) {
                guard let row = loaded.table.rows.first(where: { $0.line == r.line }) else { continue }
                var message = "study '\(r.study)' is judged for risk of bias but is in no analysis"
                if let s = Loader.studySuggestion(for: r.study, among: pooledList) { message += "; did you mean '\(s)'?" }
                else { message += " (its judgement is shown but weighs in no pool)" }
                var d = loaded.cellDiagnostic(row, column: loaded.table.header.first { $0.lowercased() == "study" } ?? "study", message)
                d.severity = .warning
                extra.append(d)
            }
        }
    }

    /// A scenario's `risk-of-bias: low`: keeps only the studies so judged overall (in the first
    /// assessment that lists them); studies without a judgement are left out, with a warning.
    mutating func applyRiskOfBiasFilter(_ node: Node, to selection: inout SelectionSpec, changes: inout [String], what: String) {
        guard let filter = reader.choice(node, RiskOfBiasFilter.self, "risk-of-bias filter") else { return }
        guard !riskOfBias.isEmpty else {
            reader.error(node, "\(what) keeps studies by risk of bias, but the pipeline has no 'risk-of-bias' section; add one (e.g. risk-of-bias: {rob: {tool: rob2, data: rob}})")
            return
        }
        var judgement: [String: RiskOfBiasJudgement] = [:]
        for a in riskOfBias { for r in a.rows where judgement[r.study] == nil { judgement[r.study] = r.overall } }
        let kept = judgement.filter { filter.keeps($0.value) }.map(\.key).sorted()
        selection.conditions.append(Condition(column: "study", values: kept))
        changes.append(filter.words)
    }
}

extension Loader {
    static let prismaKeys = ["title", "databases", "registers", "identified", "duplicates", "automation", "other-removed",
                             "screened", "excluded", "sought", "not-retrieved", "assessed", "excluded-reasons", "reports-excluded",
                             "included-studies", "included-reports", "quantitative", "qualitative", "meta-analysis"]

    /// A count: a whole number ≥ 0, or `not reported` (also `NR`, `~`) for a box the review does not report.
    mutating func prismaCount(_ node: Node, _ what: String) -> Int?? {
        if YAMLReader.isNull(node) { return .some(nil) }
        guard let text = reader.string(node, what) else { return nil }
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if ["not reported", "nr", "n/a", "na", "unknown"].contains(t) { return .some(nil) }
        if let n = Int(t), n >= 0 { return .some(n) }
        reader.error(node, "\(what) is '\(text)'; a count must be a whole number ≥ 0, or 'not reported'")
        return nil
    }

    /// `prisma:` — the counts of the PRISMA 2020 flow diagram, checked box by box.
    mutating func readPrisma(_ node: Node) -> PrismaFlow? {
        guard let pairs = reader.mapping(node, "'prisma'") else { return nil }
        reader.checkKeys(pairs, allowed: Loader.prismaKeys, in: "'prisma'")
        func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }
        var flow = PrismaFlow(title: value("title").flatMap { reader.string($0, "'title' of 'prisma'") } ?? "PRISMA 2020 flow diagram")
        var nodes: [String: Node] = [:]
        func count(_ key: String) -> Int? {
            guard let n = value(key) else { return nil }
            nodes[key] = n
            return prismaCount(n, "'\(key)' of 'prisma'") ?? nil
        }
        func counts(_ key: String) -> [PrismaFlow.Count] {
            guard let n = value(key) else { return [] }
            nodes[key] = n
            guard let items = reader.mapping(n, "'\(key)' of 'prisma'") else { return [] }
            return items.compactMap { item in
                guard let c = prismaCount(item.value, "'\(item.key)' in '\(key)'") else { return nil }
                return PrismaFlow.Count(label: item.key, n: c)
            }
        }
        flow.databases = counts("databases")
        flow.registers = counts("registers")
        flow.identified = count("identified")
        flow.duplicates = count("duplicates")
        flow.automation = count("automation")
        flow.otherRemoved = count("other-removed")
        flow.screened = count("screened")
        flow.excludedScreening = count("excluded")
        flow.sought = count("sought")
        flow.notRetrieved = count("not-retrieved")
        flow.assessed = count("assessed")
        flow.excludedReasons = counts("excluded-reasons")
        flow.excludedTotal = count("reports-excluded")
        flow.includedStudies = count("included-studies")
        flow.includedReports = count("included-reports")
        flow.quantitative = count("quantitative")
        flow.qualitative = count("qualitative")
        flow.metaAnalysis = count("meta-analysis")
        checkPrisma(flow, nodes: nodes, at: node)
        return flow
    }

    /// Every box equals its inputs minus its exclusions, where all of them are reported.
    mutating func checkPrisma(_ f: PrismaFlow, nodes: [String: Node], at node: Node) {
        func at(_ key: String) -> Node { nodes[key] ?? node }
        if let given = f.identified, !(f.databases + f.registers).isEmpty,
           (f.databases + f.registers).allSatisfy({ $0.n != nil }) {
            let sum = (f.databases + f.registers).reduce(0) { $0 + ($1.n ?? 0) }
            if sum != given {
                reader.error(at("identified"), "PRISMA box 'Records identified' is \(given), but the databases and registers add up to \(sum)")
            }
        }
        func check(_ key: String, _ box: String, _ value: Int?, equals expected: Int?, _ how: String) {
            guard let value, let expected, value != expected else { return }
            reader.error(at(key), "PRISMA box '\(box)' is \(value), but \(how) give \(expected); correct the count or mark one 'not reported'")
        }
        if let identified = f.identifiedTotal, let d = f.duplicates ?? (nodes["duplicates"] == nil ? 0 : nil),
           let a = f.automation ?? (nodes["automation"] == nil ? 0 : nil), let o = f.otherRemoved ?? (nodes["other-removed"] == nil ? 0 : nil) {
            check("screened", "Records screened", f.screened, equals: identified - d - a - o,
                  "records identified (\(identified)) minus those removed before screening (\(d + a + o))")
        }
        if let s = f.screened, let e = f.excludedScreening {
            check("sought", "Reports sought for retrieval", f.sought, equals: s - e, "records screened (\(s)) minus records excluded (\(e))")
        }
        if let s = f.sought, let n = f.notRetrieved ?? (nodes["not-retrieved"] == nil ? 0 : nil) {
            check("assessed", "Reports assessed for eligibility", f.assessed, equals: s - n, "reports sought (\(s)) minus reports not retrieved (\(n))")
        }
        if let given = f.excludedTotal, let sum = f.excludedReasons.isEmpty ? nil : PrismaFlow(title: "").with(reasons: f.excludedReasons).excludedEligibility,
           given != sum {
            reader.error(at("reports-excluded"), "PRISMA box 'Reports excluded' is \(given), but its reasons add up to \(sum)")
        }
        if let a = f.assessed, let e = f.excludedEligibility {
            check("included-reports", "Reports of included studies", f.includedReports, equals: a - e,
                  "reports assessed (\(a)) minus reports excluded (\(e))")
        }
        if let s = f.includedStudies, let r = f.includedReports, s > r {
            reader.error(at("included-studies"), "PRISMA box 'Studies included in review' is \(s), more than the \(r) reports of included studies; each study has at least one report")
        }
        if let s = f.includedStudies, let q = f.quantitative, let l = f.qualitative, q + l != s {
            reader.error(at("quantitative"), "PRISMA: \(q) studies in the quantitative and \(l) in the qualitative synthesis make \(q + l), but 'included-studies' is \(s)")
        }
        if let q = f.quantitative, let m = f.metaAnalysis, m > q {
            reader.error(at("meta-analysis"), "PRISMA: \(m) studies in meta-analyses, more than the \(q) in the quantitative synthesis")
        }
        for (key, v) in [("screened", f.screened), ("sought", f.sought), ("assessed", f.assessed), ("included-reports", f.includedReports)] {
            if let v, v < 0 { reader.error(at(key), "PRISMA box '\(key)' is negative") }
        }
    }
}

extension PrismaFlow {
    func with(reasons: [Count]) -> PrismaFlow {
        var f = self
        f.excludedReasons = reasons
        return f
    }
}

extension Loader {
    /// `summary-of-findings: {title, outcomes: [{analysis, start, downgrades: {domain: {by, reason}}, assumed-risk, threshold}]}`.
    mutating func readSummaryOfFindings(_ node: Node, analyses: [Analysis], riskOfBias: [RiskOfBiasAssessment]) -> SummaryOfFindings? {
        guard let pairs = reader.mapping(node, "'summary-of-findings'") else { return nil }
        reader.checkKeys(pairs, allowed: ["title", "outcomes"], in: "'summary-of-findings'")
        reader.require(["outcomes"], in: pairs, at: node, what: "'summary-of-findings'")
        let title = pairs.first { $0.key == "title" }.flatMap { reader.string($0.value, "'title'") } ?? "Summary of findings"
        guard let list = pairs.first(where: { $0.key == "outcomes" }).flatMap({ reader.list($0.value, "'outcomes' of 'summary-of-findings'") }) else { return nil }
        var judged: [String: Int] = [:]
        for a in riskOfBias { for r in a.rows where judged[r.study] == nil { judged[r.study] = r.overall.level } }
        var outcomes: [FindingsOutcome] = []
        for (i, item) in list.enumerated() {
            let what = "outcome \(i + 1) of 'summary-of-findings'"
            guard let fields = reader.mapping(item, what) else { continue }
            reader.checkKeys(fields, allowed: ["analysis", "title", "start", "downgrades", "assumed-risk", "threshold"], in: what)
            reader.require(["analysis"], in: fields, at: item, what: what)
            func value(_ key: String) -> Node? { fields.first { $0.key == key }?.value }
            guard let n = value("analysis"), let name = reader.name(n, "'analysis' of \(what)") else { continue }
            guard let analysis = analyses.first(where: { $0.name == name }) else {
                var message = "\(what) names analysis '\(name)', which the pipeline does not define"
                if let s = suggestion(for: name, among: analyses.map(\.name)) { message += "; did you mean '\(s)'?" }
                reader.error(n, message)
                continue
            }
            let start = value("start").flatMap { reader.choice($0, Certainty.self, "starting certainty") } ?? .high
            var downgrades: [Downgrade] = []
            if let d = value("downgrades"), let items = reader.mapping(d, "'downgrades' of \(what)") {
                for entry in items {
                    let domainWhat = "downgrade '\(entry.key)' of \(name)"
                    guard let domain = GradeDomain(rawValue: entry.key) else {
                        let options = GradeDomain.allCases.map(\.rawValue)
                        var message = "unknown GRADE domain '\(entry.key)'; expected \(quotedList(options))"
                        if let s = suggestion(for: entry.key, among: options) { message = "unknown GRADE domain '\(entry.key)'; did you mean '\(s)'? (expected \(quotedList(options)))" }
                        reader.error(entry.keyNode, message)
                        continue
                    }
                    guard let f = reader.mapping(entry.value, domainWhat) else { continue }
                    reader.checkKeys(f, allowed: ["by", "reason"], in: domainWhat)
                    let by = f.first { $0.key == "by" }.flatMap { reader.number($0.value, "'by' of \(domainWhat)") } ?? 0
                    guard by == by.rounded(), by >= 0, by <= 2 else {
                        reader.error(entry.value, "\(domainWhat) rates down by \(Loader.shown(by)); GRADE rates down by 0, 1 or 2 levels per domain")
                        continue
                    }
                    let reason = f.first { $0.key == "reason" }.flatMap { reader.string($0.value, "'reason' of \(domainWhat)") }
                    if reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                        reader.error(entry.keyNode, "\(domainWhat) has no reason; GRADE asks for the reason of every judgement (reason: …)")
                        continue
                    }
                    downgrades.append(Downgrade(domain: domain, levels: Int(by), reason: reason ?? ""))
                }
            }
            var assumed: Double?
            if let a = value("assumed-risk") {
                if !analysis.settings.measure.isBinary {
                    reader.error(a, "'assumed-risk' of \(name) is for binary outcomes; \(name) pools \(analysis.settings.measure.rawValue)")
                } else if let v = reader.number(a, "'assumed-risk'") {
                    if v > 0, v < 1 { assumed = v } else { reader.error(a, "'assumed-risk' is \(Loader.shown(v)); a control risk is a proportion between 0 and 1 (e.g. 0.2 for 200 per 1,000)") }
                }
            }
            let threshold = value("threshold").flatMap { reader.number($0, "'threshold' of \(what)") }
            var numbers: [String: StudyNumbers] = [:]
            for s in analysis.studies {
                var n = StudyNumbers()
                switch s.input.data {
                case .continuous(let a): n.participants = a.n1 + a.n2
                case .binary(let c): n.participants = c.total1 + c.total2; n.controlRisk = c.total2 > 0 ? c.events2 / c.total2 : nil
                case let .tStatistic(n1, n2, _): n.participants = n1 + n2
                case .correlation(_, let size): n.participants = size
                case .proportion(_, let total): n.participants = total
                case .prePost(let p): n.participants = p.n
                case .pairedT(let size, _): n.participants = size
                case .rates, .generic, .genericSE, .genericCI: break
                }
                n.riskOfBiasLevel = judged[s.input.study]
                numbers[s.input.study] = n
            }
            outcomes.append(FindingsOutcome(analysis: name, title: value("title").flatMap { reader.string($0, "'title'") } ?? analysis.title,
                                            start: start, downgrades: downgrades, assumedRisk: assumed, threshold: threshold, studies: numbers))
        }
        return SummaryOfFindings(title: title, outcomes: outcomes)
    }
}

extension Loader {
    /// A number as written: 3 rather than 3.0.
    static func shown(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}

extension Loader {
    /// A near study name, keeping the year: "Gama 2005" suggests "Gamma 2005", "Delta 2009" not "Beta 2003".
    static func studySuggestion(for name: String, among names: [String]) -> String? {
        func year(_ s: String) -> Substring? { s.split(separator: " ").last.flatMap { $0.count == 4 && $0.allSatisfy(\.isNumber) ? $0 : nil } }
        let candidates = names.filter { year($0) == year(name) }
        return suggestion(for: name, among: candidates)
    }
}
