#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with a NULL-terminated `char **` copy of `strings` (sd-bus's strv), freed afterwards.
func withCStringArray<Result>(
    _ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Result
) -> Result {
    let array = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
    for (index, string) in strings.enumerated() {
        (array + index).initialize(to: strdup(string))
    }
    (array + strings.count).initialize(to: nil)
    defer {
        for index in 0..<strings.count {
            free(array[index])
        }
        array.deallocate()
    }
    return body(array)
}
