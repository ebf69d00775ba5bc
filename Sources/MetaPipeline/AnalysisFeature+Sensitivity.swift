import Foundation
import MetaFormat
import MetaStats
import Yams

extension Loader {
    /// `gosh: true`, `gosh: false` or `gosh: {subsets: N}`.
    mutating func readGosh(_ node: Node, what: String) -> GoshSpec? {
        if case .mapping = node {
            guard let pairs = reader.mapping(node, "'gosh' of \(what)") else { return nil }
            reader.checkKeys(pairs, allowed: PipelineLoader.goshKeys, in: "'gosh' of \(what)")
            var spec = GoshSpec()
            if let p = pairs.first(where: { $0.key == "subsets" }) {
                let limit = Gosh.maximumSubsets
                let range = "a whole number from 2 to \(Format.grouped(limit))"
                if case .scalar(let s) = p.value, let n = Int(s.string.trimmingCharacters(in: .whitespaces)) {
                    if n < 2 || n > limit {
                        reader.error(p.value, "'subsets' of the GOSH analysis of \(what) must be \(range) (all subsets are fitted when there are at most that many, otherwise that many random ones), not \(n); leave it out for the default of \(Format.grouped(Gosh.defaultSubsets))")
                    } else {
                        spec.subsets = n
                    }
                } else {
                    reader.error(p.value, "'subsets' of the GOSH analysis of \(what) must be \(range), not \(YAMLReader.describe(p.value)); leave it out for the default of \(Format.grouped(Gosh.defaultSubsets))")
                }
            }
            return spec
        }
        return reader.bool(node, "'gosh' (true, false or {subsets: N})") == true ? GoshSpec() : nil
    }
}
