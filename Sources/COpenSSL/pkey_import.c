// Private keys built from their components, as YubiKey IMPORT ASYMMETRIC KEY delivers them.
#include "internal.h"

#include <limits.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

/// A secret BIGNUM (secure heap when one is configured, cleared on free, constant-time arithmetic).
static BIGNUM *secret_bignum(const uint8_t *bytes, size_t length) {
    if (length > INT_MAX) return NULL;
    BIGNUM *value = BN_secure_new();
    if (value == NULL) return NULL;
    BN_set_flags(value, BN_FLG_CONSTTIME);
    if (BN_bin2bn(bytes, (int)length, value) == NULL) {
        BN_clear_free(value);
        return NULL;
    }
    return value;
}

static BIGNUM *secret_bignum_empty(void) {
    BIGNUM *value = BN_secure_new();
    if (value != NULL) BN_set_flags(value, BN_FLG_CONSTTIME);
    return value;
}

/// Runs OpenSSL's full key check (for RSA: primality of p and q, n = pq, d, dp, dq and qinv).
static pivlink_status check_key(EVP_PKEY *key) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    int valid = EVP_PKEY_check(ctx);
    EVP_PKEY_CTX_free(ctx);
    return valid == 1 ? PIVLINK_STATUS_OK : PIVLINK_STATUS_INVALID_KEY;
}

pivlink_status pivlink_rsa_import_crt(const uint8_t *p_bytes, size_t p_length, const uint8_t *q_bytes, size_t q_length,
                                      const uint8_t *dp_bytes, size_t dp_length, const uint8_t *dq_bytes, size_t dq_length,
                                      const uint8_t *qinv_bytes, size_t qinv_length, pivlink_pkey **out) {
    ERR_clear_error();
    BN_CTX *bn_ctx = BN_CTX_secure_new();
    BIGNUM *p = secret_bignum(p_bytes, p_length);
    BIGNUM *q = secret_bignum(q_bytes, q_length);
    BIGNUM *dp = secret_bignum(dp_bytes, dp_length);
    BIGNUM *dq = secret_bignum(dq_bytes, dq_length);
    BIGNUM *qinv = secret_bignum(qinv_bytes, qinv_length);
    BIGNUM *n = BN_new();
    BIGNUM *e = BN_new();
    BIGNUM *p1 = secret_bignum_empty();
    BIGNUM *q1 = secret_bignum_empty();
    BIGNUM *lambda = secret_bignum_empty();
    BIGNUM *gcd = secret_bignum_empty();
    BIGNUM *d = secret_bignum_empty();
    BIGNUM *check = secret_bignum_empty();
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *key = NULL;
    pivlink_status status = PIVLINK_STATUS_BACKEND;

    if (bn_ctx == NULL || p == NULL || q == NULL || dp == NULL || dq == NULL || qinv == NULL || n == NULL
        || e == NULL || p1 == NULL || q1 == NULL || lambda == NULL || gcd == NULL || d == NULL || check == NULL
        || builder == NULL || BN_set_word(e, RSA_F4) != 1) {
        goto done;
    }
    status = PIVLINK_STATUS_INVALID_KEY;
    // Primes below 3 or equal primes cannot make an RSA key; the rest is checked arithmetically.
    if (BN_cmp(p, BN_value_one()) <= 0 || BN_cmp(q, BN_value_one()) <= 0 || BN_cmp(p, q) == 0) goto done;

    status = PIVLINK_STATUS_BACKEND;
    if (BN_mul(n, p, q, bn_ctx) != 1 || BN_sub(p1, p, BN_value_one()) != 1 || BN_sub(q1, q, BN_value_one()) != 1
        || BN_gcd(gcd, p1, q1, bn_ctx) != 1 || BN_mul(lambda, p1, q1, bn_ctx) != 1
        || BN_div(lambda, NULL, lambda, gcd, bn_ctx) != 1) {
        goto done;
    }
    // d = e^-1 mod lcm(p-1, q-1); e must be invertible there.
    status = PIVLINK_STATUS_INVALID_KEY;
    if (BN_mod_inverse(d, e, lambda, bn_ctx) == NULL) goto done;
    if (BN_nnmod(check, d, p1, bn_ctx) != 1 || BN_cmp(check, dp) != 0) goto done;
    if (BN_nnmod(check, d, q1, bn_ctx) != 1 || BN_cmp(check, dq) != 0) goto done;
    if (BN_cmp(qinv, p) >= 0 || BN_mod_mul(check, qinv, q, p, bn_ctx) != 1 || !BN_is_one(check)) goto done;

    status = PIVLINK_STATUS_BACKEND;
    if (OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_D, d) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR1, p) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_FACTOR2, q) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv) != 1
        || (params = OSSL_PARAM_BLD_to_param(builder)) == NULL) {
        goto done;
    }
    status = pivlink_pkey_from_params("RSA", EVP_PKEY_KEYPAIR, params, PIVLINK_STATUS_INVALID_KEY, &key);
    if (status == PIVLINK_STATUS_OK) status = check_key(key);
    if (status == PIVLINK_STATUS_OK) {
        *out = key;
        key = NULL;
    }

done:
    EVP_PKEY_free(key);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_clear_free(p);
    BN_clear_free(q);
    BN_clear_free(dp);
    BN_clear_free(dq);
    BN_clear_free(qinv);
    BN_free(n);
    BN_free(e);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(lambda);
    BN_clear_free(gcd);
    BN_clear_free(d);
    BN_clear_free(check);
    BN_CTX_free(bn_ctx);
    return status;
}

pivlink_status pivlink_ec_import_scalar(pivlink_key_kind kind, const uint8_t *scalar, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    const char *group_name = pivlink_curve_group_name(kind);
    if (group_name == NULL) return PIVLINK_STATUS_UNSUPPORTED;
    int nid = kind == PIVLINK_KEY_KIND_P256 ? NID_X9_62_prime256v1 : NID_secp384r1;

    BN_CTX *bn_ctx = BN_CTX_secure_new();
    EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(NULL, NULL, nid);
    EC_POINT *point = group != NULL ? EC_POINT_new(group) : NULL;
    BIGNUM *private_value = secret_bignum(scalar, length);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    unsigned char encoded[1 + 2 * 66];
    size_t encoded_length = 0;
    pivlink_status status = PIVLINK_STATUS_BACKEND;

    if (bn_ctx == NULL || point == NULL || private_value == NULL || builder == NULL) goto done;
    status = PIVLINK_STATUS_INVALID_KEY;
    if (BN_is_zero(private_value) || BN_cmp(private_value, EC_GROUP_get0_order(group)) >= 0) goto done;

    status = PIVLINK_STATUS_BACKEND;
    // Generator-only multiplication; OpenSSL uses its constant-time path for a secret scalar.
    if (EC_POINT_mul(group, point, private_value, NULL, NULL, bn_ctx) != 1) goto done;
    encoded_length = EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, encoded, sizeof encoded, bn_ctx);
    if (encoded_length == 0) goto done;
    if (OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0) != 1
        || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, private_value) != 1
        || OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, encoded, encoded_length) != 1
        || (params = OSSL_PARAM_BLD_to_param(builder)) == NULL) {
        goto done;
    }
    status = pivlink_pkey_from_params("EC", EVP_PKEY_KEYPAIR, params, PIVLINK_STATUS_INVALID_KEY, out);

done:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_clear_free(private_value);
    EC_POINT_free(point);
    EC_GROUP_free(group);
    BN_CTX_free(bn_ctx);
    return status;
}

pivlink_status pivlink_raw_import_private(pivlink_key_kind kind, const uint8_t *bytes, size_t length, pivlink_pkey **out) {
    ERR_clear_error();
    const char *type = pivlink_raw_key_type_name(kind);
    if (type == NULL) return PIVLINK_STATUS_UNSUPPORTED;
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key_ex(NULL, type, NULL, bytes, length);
    if (key == NULL) return PIVLINK_STATUS_INVALID_KEY;
    *out = key;
    return PIVLINK_STATUS_OK;
}
