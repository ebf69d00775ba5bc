import Foundation
import MetaStats
import Testing
@testable import MetaPipeline

/// `sensitivity: {influence: …, gosh: …}` and the Baujat and GOSH plots.
@Suite struct InfluenceGoshLoaderTests {
    static func load(_ extra: String, plots: String = "[forest]") -> Result<Pipeline, DiagnosticList> {
        PlotOptionsLoaderTests.load(plots, measure: "RR", extra: extra)
    }

    @Test func readsTheKeys() throws {
        guard case .success(let p) = Self.load("sensitivity: {influence: true, gosh: {subsets: 5000}}") else {
            Issue.record("rejected")
            return
        }
        #expect(p.analyses[0].influence && p.analyses[0].gosh == GoshSpec(subsets: 5000))
        guard case .success(let q) = Self.load("sensitivity: {gosh: true}") else { Issue.record("rejected"); return }
        #expect(!q.analyses[0].influence && q.analyses[0].gosh == GoshSpec(subsets: Gosh.defaultSubsets))
        guard case .success(let r) = Self.load("sensitivity: {gosh: false, influence: false}") else { Issue.record("rejected"); return }
        #expect(!r.analyses[0].influence && r.analyses[0].gosh == nil)
    }

    @Test func plotsTurnTheAnalysesOn() throws {
        guard case .success(let p) = Self.load("", plots: "[forest, baujat, gosh]") else { Issue.record("rejected"); return }
        #expect(p.analyses[0].influence && p.analyses[0].gosh != nil)
        #expect(p.analyses[0].plots.map(\.kind) == [.forest, .baujat, .gosh])
    }

    @Test func badValuesAreLocatedErrors() throws {
        let cases: [(String, String, String)] = [
            ("sensitivity: {gosh: {subsets: -3}}", "[forest]", "'subsets' of the GOSH analysis of analysis 'a' must be a whole number from 2 to 16,777,216"),
            ("sensitivity: {gosh: {subsets: 2.5}}", "[forest]", "must be a whole number from 2 to 16,777,216, not '2.5'"),
            ("sensitivity: {gosh: {subsets: many}}", "[forest]", "not 'many'; leave it out for the default of 1,048,576"),
            ("sensitivity: {gosh: {subset: 10}}", "[forest]", "unknown key 'subset' in 'gosh' of analysis 'a'; did you mean 'subsets'?"),
            ("sensitivity: {gosh: maybe}", "[forest]", "'gosh' (true, false or {subsets: N}) must be true or false, not 'maybe'"),
            ("sensitivity: {influence: 3}", "[forest]", "'influence' must be true or false, not '3'"),
            ("sensitivity: {influnce: true}", "[forest]", "unknown key 'influnce'"),
            ("{model: fixed, method: MH, sensitivity: {influence: true}}", "[forest]", "need an inverse-variance fit"),
            ("{model: fixed, method: MH}", "[baujat]", "influence diagnostics (and the Baujat plot) of analysis 'a' need an inverse-variance fit"),
            ("{model: fixed, method: MH}", "[gosh]", "GOSH (and its plot) of analysis 'a' needs an inverse-variance fit"),
        ]
        for (extra, plots, message) in cases {
            let result = Self.load(extra.hasPrefix("{") ? Self.lines(extra) : extra, plots: plots)
            guard case .failure(let list) = result else {
                Issue.record("accepted: \(extra) \(plots)")
                continue
            }
            let hit = list.errors.first { $0.message.contains(message) }
            #expect(hit != nil, "\(extra) \(plots): \(list.errors.map(\.message))")
            #expect(hit?.location?.line != nil, "located: \(extra)")
        }
    }

    @Test func oneStudyIsAnError() {
        let result = PlotOptionsLoaderTests.load("[gosh]", measure: "RR", extra: "where: {study: Abel}")
        guard case .failure(let list) = result else { Issue.record("accepted"); return }
        #expect(list.errors.contains { $0.message == "GOSH of analysis 'a' needs at least 2 studies; it has 1" && $0.location != nil },
                "\(list.errors.map(\.message))")
    }

    /// "{model: fixed, method: MH, sensitivity: {…}}" as separate analysis lines.
    static func lines(_ flow: String) -> String {
        var inner = String(flow.dropFirst().dropLast())
        var out: [String] = []
        while !inner.isEmpty {
            // Split at the first top-level comma.
            var depth = 0, cut = inner.endIndex
            for i in inner.indices {
                if inner[i] == "{" { depth += 1 } else if inner[i] == "}" { depth -= 1 } else if inner[i] == ",", depth == 0 { cut = i; break }
            }
            out.append(inner[..<cut].trimmingCharacters(in: .whitespaces))
            inner = cut == inner.endIndex ? "" : String(inner[inner.index(after: cut)...])
        }
        return out.joined(separator: "\n    ")
    }
}
