// scrypt key derivation through the EVP_KDF interface.
#include "pivlink_openssl.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

pivlink_status pivlink_scrypt(const uint8_t *password, size_t password_length,
                              const uint8_t *salt, size_t salt_length,
                              uint64_t n, uint32_t r, uint32_t p, uint64_t max_memory,
                              uint8_t *out, size_t out_length) {
    ERR_clear_error();
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    if (kdf == NULL) return PIVLINK_STATUS_BACKEND;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password, password_length),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_length),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &max_memory),
        OSSL_PARAM_construct_end(),
    };
    // The context keeps its own copy of the password and cleanses it when freed.
    pivlink_status status = EVP_KDF_derive(ctx, out, out_length, params) == 1 ? PIVLINK_STATUS_OK : PIVLINK_STATUS_BACKEND;
    EVP_KDF_CTX_free(ctx);
    return status;
}
