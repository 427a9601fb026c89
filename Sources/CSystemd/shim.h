// libsystemd: the event loop (sd-event), service notification (sd-daemon) and, for later layers, sd-bus.
#include <systemd/sd-event.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-bus.h>
