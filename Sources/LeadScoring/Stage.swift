/// Where a lead is in the funnel (spec §4).
///
/// `lead` → `mql` → `accepted` → `sql`; `mql`/`accepted` → `rejected`;
/// `rejected` (after the cooldown) or a stale `mql` → `recycled`, which may
/// qualify again; `disqualified` while a disqualifying rule matches.
public enum Stage: String, Hashable, Sendable, Codable, CaseIterable {
    case lead, mql, accepted, sql, rejected, recycled, disqualified

    /// Stages sales owns: scores no longer move the lead.
    public var isSalesOwned: Bool { self == .accepted || self == .sql }
}
