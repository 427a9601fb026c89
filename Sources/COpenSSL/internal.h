// Helpers shared by the shim's translation units; not part of the module's interface.
#ifndef PIVLINK_OPENSSL_INTERNAL_H
#define PIVLINK_OPENSSL_INTERNAL_H

#include "pivlink_openssl.h"

#include <openssl/evp.h>

/// OpenSSL's group name for a curve kind, or NULL when the kind is not a supported curve.
const char *pivlink_curve_group_name(pivlink_key_kind kind);

/// EVP key type name ("ED25519", "X25519") of a raw-key kind, or NULL.
const char *pivlink_raw_key_type_name(pivlink_key_kind kind);

/// Builds a key of the given type from an OSSL_PARAM array (EVP_PKEY_fromdata).
pivlink_status pivlink_pkey_from_params(const char *type, int selection, OSSL_PARAM *params, pivlink_status failure,
                                        pivlink_pkey **out);

#endif
