// PC/SC client API (pcsc-lite), used by the benchmark's PC/SC client loop.
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
