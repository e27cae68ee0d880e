/// An equality test on one event property (`properties: {asset: pricing-guide}` in the model):
/// holds when the property's value, as text and ignoring case, is one of `values`.
public struct PropertyCondition: Hashable, Sendable {
    public let key: String
    /// Accepted values, lower-cased.
    public let values: Set<String>

    public init(key: String, values: Set<String>) {
        self.key = key
        self.values = Set(values.map { $0.lowercased() })
    }

    func holds(for event: EngagementEvent) -> Bool {
        guard let text = event.properties[key]?.scalarText else { return false }
        return values.contains(text.lowercased())
    }
}
