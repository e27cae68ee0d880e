/// One follow-up promise: leads matching `condition` are due `within` after qualifying.
public struct SLATier: Hashable, Sendable {
    public let name: String
    public let condition: SLACondition
    public let within: SLADuration
    /// Line of the tier in the model file.
    public let line: Int

    public init(name: String, condition: SLACondition = SLACondition(), within: SLADuration, line: Int = 0) {
        self.name = name
        self.condition = condition
        self.within = within
        self.line = line
    }
}
