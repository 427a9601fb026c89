extension Array {
    /// nil for an empty array, so `#require` can insist on content.
    var nonEmpty: Self? { isEmpty ? nil : self }
}
