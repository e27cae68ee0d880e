/// When a lead qualifies and when it returns to nurture (`thresholds:` in the model).
public struct Thresholds: Hashable, Sendable {
    /// Minimum `score` (fit + engagement) for an MQL.
    public let mql: Points
    /// Minimum `fit_score` for an MQL; `nil` for none.
    public let minFit: Points?
    /// Minimum number of distinct engagement rules with a positive contribution, so one drive-by visit never qualifies.
    public let minSignals: Int
    /// An MQL with no sales feedback whose score falls below this is recycled; `nil` never recycles on score.
    public let recycle: Points?
    /// Days after a rejection before the lead is recycled; `nil` keeps rejected leads rejected.
    public let recycleCooldownDays: Double?

    public init(mql: Points, minFit: Points? = nil, minSignals: Int = 0, recycle: Points? = nil, recycleCooldownDays: Double? = nil) {
        self.mql = mql
        self.minFit = minFit
        self.minSignals = minSignals
        self.recycle = recycle
        self.recycleCooldownDays = recycleCooldownDays
    }
}
