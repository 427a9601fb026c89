#include "pivlink_openssl.h"
