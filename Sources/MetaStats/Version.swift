public enum MetaStatsVersion { public static let string = "0.1.0" }
