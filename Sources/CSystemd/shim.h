// libsystemd: the event loop (sd-event), service notification (sd-daemon), the journal's native protocol
// (sd-journal; the location fields are left out: they would name this shim, not the Swift caller) and sd-bus.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-event.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-bus.h>
