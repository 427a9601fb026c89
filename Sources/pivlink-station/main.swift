// pivlink-station: under construction in this session (issue 3); it does nothing yet and exits with an error.
import Foundation
FileHandle.standardError.write(Data("pivlink-station is not built yet\n".utf8))
exit(1)
