/// The at-least bands that turn fit and engagement scores into a grade (`grades:` in the model).
///
/// Fit ≥ `a` is A, ≥ `b` is B, ≥ `c` is C, else D; engagement ≥ `one` is 1,
/// ≥ `two` is 2, ≥ `three` is 3, else 4.
public struct GradeBands: Hashable, Sendable {
    public let a: Points, b: Points, c: Points
    public let one: Points, two: Points, three: Points

    public init(a: Points, b: Points, c: Points, one: Points, two: Points, three: Points) {
        self.a = a
        self.b = b
        self.c = c
        self.one = one
        self.two = two
        self.three = three
    }

    public func grade(fit: Points, engagement: Points) -> Grade {
        let letter: Grade.Letter = fit >= a ? .a : fit >= b ? .b : fit >= c ? .c : .d
        let digit = engagement >= one ? 1 : engagement >= two ? 2 : engagement >= three ? 3 : 4
        return Grade(letter: letter, digit: digit)
    }
}
