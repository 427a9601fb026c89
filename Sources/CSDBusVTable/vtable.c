#include "pivlink_sdbus_vtable.h"
