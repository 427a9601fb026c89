// Key handles: generation, identification, DER encodings and public components.
#include "internal.h"

#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

const char *pivlink_curve_group_name(pivlink_key_kind kind) {
    switch (kind) {
    case PIVLINK_KEY_KIND_P256: return "P-256";
    case PIVLINK_KEY_KIND_P384: return "P-384";
    case PIVLINK_KEY_KIND_RSA:
    case PIVLINK_KEY_KIND_ED25519:
    case PIVLINK_KEY_KIND_X25519: return NULL;
    }
    return NULL;
}

const char *pivlink_raw_key_type_name(pivlink_key_kind kind) {
    switch (kind) {
    case PIVLINK_KEY_KIND_ED25519: return "ED25519";
    case PIVLINK_KEY_KIND_X25519: return "X25519";
    case PIVLINK_KEY_KIND_RSA:
    case PIVLINK_KEY_KIND_P256:
    case PIVLINK_KEY_KIND_P384: return NULL;
    }
    return NULL;
}

pivlink_status pivlink_pkey_from_params(const char *type, int selection, OSSL_PARAM *params, pivlink_status failure,
                                        pivlink_pkey **out) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    EVP_PKEY *key = NULL;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    if (EVP_PKEY_fromdata_init(ctx) == 1) {
        status = EVP_PKEY_fromdata(ctx, &key, selection, params) == 1 ? PIVLINK_STATUS_OK : failure;
    }
    EVP_PKEY_CTX_free(ctx);
    if (status == PIVLINK_STATUS_OK) *out = key;
    return status;
}

void pivlink_pkey_free(pivlink_pkey *key) { EVP_PKEY_free(key); }

pivlink_status pivlink_pkey_generate(pivlink_key_kind kind, unsigned rsa_bits, pivlink_pkey **out) {
    ERR_clear_error();
    const char *type = NULL;
    const char *group = pivlink_curve_group_name(kind);
    switch (kind) {
    case PIVLINK_KEY_KIND_RSA: type = "RSA"; break;
    case PIVLINK_KEY_KIND_P256:
    case PIVLINK_KEY_KIND_P384: type = "EC"; break;
    case PIVLINK_KEY_KIND_ED25519:
    case PIVLINK_KEY_KIND_X25519: type = pivlink_raw_key_type_name(kind); break;
    }
    if (type == NULL) return PIVLINK_STATUS_UNSUPPORTED;

    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    EVP_PKEY *key = NULL;
    int ok = EVP_PKEY_keygen_init(ctx) == 1;
    if (ok && kind == PIVLINK_KEY_KIND_RSA) ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)rsa_bits) == 1;
    if (ok && group != NULL) ok = EVP_PKEY_CTX_set_group_name(ctx, group) == 1;
    if (ok) ok = EVP_PKEY_generate(ctx, &key) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) return PIVLINK_STATUS_BACKEND;
    *out = key;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_pkey_describe(const pivlink_pkey *key, pivlink_key_kind *kind, unsigned *bits) {
    ERR_clear_error();
    int key_bits = EVP_PKEY_get_bits(key);
    if (key_bits <= 0) return PIVLINK_STATUS_INVALID_KEY;
    *bits = (unsigned)key_bits;
    if (EVP_PKEY_is_a(key, "RSA")) {
        *kind = PIVLINK_KEY_KIND_RSA;
        return PIVLINK_STATUS_OK;
    }
    if (EVP_PKEY_is_a(key, "ED25519")) {
        *kind = PIVLINK_KEY_KIND_ED25519;
        return PIVLINK_STATUS_OK;
    }
    if (EVP_PKEY_is_a(key, "X25519")) {
        *kind = PIVLINK_KEY_KIND_X25519;
        return PIVLINK_STATUS_OK;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        char name[80];
        size_t name_length = 0;
        // Keys with explicit curve parameters have no group name: not something PIV uses.
        if (EVP_PKEY_get_group_name(key, name, sizeof name, &name_length) != 1) return PIVLINK_STATUS_UNSUPPORTED;
        switch (OBJ_txt2nid(name)) {
        case NID_X9_62_prime256v1: *kind = PIVLINK_KEY_KIND_P256; return PIVLINK_STATUS_OK;
        case NID_secp384r1: *kind = PIVLINK_KEY_KIND_P384; return PIVLINK_STATUS_OK;
        default: return PIVLINK_STATUS_UNSUPPORTED;
        }
    }
    return PIVLINK_STATUS_UNSUPPORTED;
}

pivlink_status pivlink_pkey_from_pkcs8(const uint8_t *der, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    if (length > LONG_MAX) return PIVLINK_STATUS_INVALID_INPUT;
    const unsigned char *cursor = der;
    PKCS8_PRIV_KEY_INFO *info = d2i_PKCS8_PRIV_KEY_INFO(NULL, &cursor, (long)length);
    if (info == NULL) return PIVLINK_STATUS_INVALID_KEY;
    int complete = cursor == der + length;
    EVP_PKEY *key = complete ? EVP_PKCS82PKEY(info) : NULL;
    PKCS8_PRIV_KEY_INFO_free(info);
    if (key == NULL) return PIVLINK_STATUS_INVALID_KEY;
    *out = key;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_pkey_to_pkcs8(const pivlink_pkey *key, uint8_t **out, size_t *out_length) {
    ERR_clear_error();
    PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(key);
    if (info == NULL) return PIVLINK_STATUS_BACKEND;
    unsigned char *der = NULL;
    int length = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    PKCS8_PRIV_KEY_INFO_free(info);
    if (length <= 0) return PIVLINK_STATUS_BACKEND;
    *out = der;
    *out_length = (size_t)length;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_pkey_from_spki(const uint8_t *der, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    if (length > LONG_MAX) return PIVLINK_STATUS_INVALID_INPUT;
    const unsigned char *cursor = der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &cursor, (long)length);
    if (key == NULL) return PIVLINK_STATUS_INVALID_INPUT;
    if (cursor != der + length) {
        EVP_PKEY_free(key);
        return PIVLINK_STATUS_INVALID_INPUT;
    }
    *out = key;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_pkey_to_spki(const pivlink_pkey *key, uint8_t **out, size_t *out_length) {
    ERR_clear_error();
    unsigned char *der = NULL;
    int length = i2d_PUBKEY(key, &der);
    if (length <= 0) return PIVLINK_STATUS_BACKEND;
    *out = der;
    *out_length = (size_t)length;
    return PIVLINK_STATUS_OK;
}

/// Writes a non-negative BIGNUM big-endian, either minimal (pad_to == 0) or left-padded to pad_to bytes.
static pivlink_status write_bignum(const BIGNUM *value, size_t pad_to, uint8_t *out, size_t capacity,
                                   size_t *out_length) {
    size_t minimal = (size_t)BN_num_bytes(value);
    size_t length = pad_to == 0 ? minimal : pad_to;
    if (minimal > length || length > capacity || length > INT_MAX) return PIVLINK_STATUS_INVALID_KEY;
    if (BN_bn2binpad(value, out, (int)length) < 0) return PIVLINK_STATUS_BACKEND;
    *out_length = length;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_rsa_public_components(const pivlink_pkey *key,
                                             uint8_t *modulus, size_t modulus_capacity, size_t *modulus_length,
                                             uint8_t *exponent, size_t exponent_capacity, size_t *exponent_length) {
    ERR_clear_error();
    BIGNUM *n = NULL;
    BIGNUM *e = NULL;
    pivlink_status status = PIVLINK_STATUS_INVALID_KEY;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1
        && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
        status = write_bignum(n, 0, modulus, modulus_capacity, modulus_length);
        if (status == PIVLINK_STATUS_OK) status = write_bignum(e, 0, exponent, exponent_capacity, exponent_length);
    }
    BN_free(n);
    BN_free(e);
    return status;
}

pivlink_status pivlink_ec_public_point(const pivlink_pkey *key, size_t field_length,
                                       uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    if (capacity < 1 + 2 * field_length) return PIVLINK_STATUS_INVALID_INPUT;
    BIGNUM *x = NULL;
    BIGNUM *y = NULL;
    pivlink_status status = PIVLINK_STATUS_INVALID_KEY;
    size_t x_length = 0;
    size_t y_length = 0;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1
        && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1) {
        out[0] = 0x04;
        status = write_bignum(x, field_length, out + 1, field_length, &x_length);
        if (status == PIVLINK_STATUS_OK) status = write_bignum(y, field_length, out + 1 + field_length, field_length, &y_length);
    }
    BN_free(x);
    BN_free(y);
    if (status == PIVLINK_STATUS_OK) *out_length = 1 + x_length + y_length;
    return status;
}

pivlink_status pivlink_raw_public_key(const pivlink_pkey *key, uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    size_t length = capacity;
    if (EVP_PKEY_get_raw_public_key(key, out, &length) != 1) return PIVLINK_STATUS_INVALID_KEY;
    *out_length = length;
    return PIVLINK_STATUS_OK;
}

pivlink_status pivlink_pkey_rsa_public(const uint8_t *modulus, size_t modulus_length,
                                       const uint8_t *exponent, size_t exponent_length, pivlink_pkey **out) {
    ERR_clear_error();
    if (modulus_length > INT_MAX || exponent_length > INT_MAX) return PIVLINK_STATUS_INVALID_INPUT;
    BIGNUM *n = BN_bin2bn(modulus, (int)modulus_length, NULL);
    BIGNUM *e = BN_bin2bn(exponent, (int)exponent_length, NULL);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    if (n != NULL && e != NULL && builder != NULL) {
        if (BN_is_zero(n) || BN_is_zero(e)) {
            status = PIVLINK_STATUS_INVALID_KEY;
        } else if (OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n) == 1
                   && OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e) == 1
                   && (params = OSSL_PARAM_BLD_to_param(builder)) != NULL) {
            status = pivlink_pkey_from_params("RSA", EVP_PKEY_PUBLIC_KEY, params, PIVLINK_STATUS_INVALID_KEY, out);
        }
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_free(n);
    BN_free(e);
    return status;
}

pivlink_status pivlink_pkey_ec_public(pivlink_key_kind kind, const uint8_t *point, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    const char *group = pivlink_curve_group_name(kind);
    if (group == NULL) return PIVLINK_STATUS_UNSUPPORTED;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, length),
        OSSL_PARAM_construct_end(),
    };
    // The EC import decodes the point with EC_POINT_oct2point, which refuses points off the curve.
    return pivlink_pkey_from_params("EC", EVP_PKEY_PUBLIC_KEY, params, PIVLINK_STATUS_INVALID_INPUT, out);
}

pivlink_status pivlink_pkey_raw_public(pivlink_key_kind kind, const uint8_t *bytes, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    const char *type = pivlink_raw_key_type_name(kind);
    if (type == NULL) return PIVLINK_STATUS_UNSUPPORTED;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key_ex(NULL, type, NULL, bytes, length);
    if (key == NULL) return PIVLINK_STATUS_INVALID_INPUT;
    *out = key;
    return PIVLINK_STATUS_OK;
}
