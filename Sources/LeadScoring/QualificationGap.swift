/// A qualification requirement a lead does not (yet) meet, as listed in `ScoreResult.unmet`.
public enum QualificationGap: String, Hashable, Sendable, Codable, CaseIterable {
    /// `score` is below `thresholds.mql`.
    case score = "mql"
    /// `fit_score` is below `thresholds.min_fit`.
    case fit = "min_fit"
    /// Fewer than `thresholds.min_signals` engagement rules contribute positively.
    case signals = "min_signals"
    /// A disqualifying rule matches.
    case disqualified
}
