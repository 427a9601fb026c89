// Private- and public-key operations over EVP_PKEY_CTX / EVP_MD_CTX.
#include "internal.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

pivlink_status pivlink_rsa_raw(const pivlink_pkey *key, int use_private, const uint8_t *input, size_t length,
                               uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    int ready = use_private ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx);
    if (ready == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1) {
        size_t produced = capacity;
        int done = use_private ? EVP_PKEY_decrypt(ctx, out, &produced, input, length)
                               : EVP_PKEY_encrypt(ctx, out, &produced, input, length);
        // Without padding the only way to fail with a well-formed key is an input that is not below n.
        status = done == 1 ? PIVLINK_STATUS_OK : PIVLINK_STATUS_INVALID_INPUT;
        if (status == PIVLINK_STATUS_OK) *out_length = produced;
    }
    EVP_PKEY_CTX_free(ctx);
    return status;
}

pivlink_status pivlink_ecdsa_sign(const pivlink_pkey *key, const uint8_t *digest, size_t digest_length,
                                  uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    size_t needed = 0;
    // No digest is set on the context, so OpenSSL signs the bytes as the hash value (truncated to the
    // order's bit length as ECDSA specifies) whatever their length.
    if (EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, NULL, &needed, digest, digest_length) == 1) {
        if (needed > capacity) {
            status = PIVLINK_STATUS_BACKEND;
        } else {
            size_t produced = capacity;
            if (EVP_PKEY_sign(ctx, out, &produced, digest, digest_length) == 1) {
                *out_length = produced;
                status = PIVLINK_STATUS_OK;
            }
        }
    }
    EVP_PKEY_CTX_free(ctx);
    return status;
}

int pivlink_ecdsa_verify(const pivlink_pkey *key, const uint8_t *digest, size_t digest_length,
                         const uint8_t *signature, size_t signature_length) {
    ERR_clear_error();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
    if (ctx == NULL) return 0;
    int valid = EVP_PKEY_verify_init(ctx) == 1
                && EVP_PKEY_verify(ctx, signature, signature_length, digest, digest_length) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return valid;
}

pivlink_status pivlink_ed25519_sign(const pivlink_pkey *key, const uint8_t *message, size_t message_length,
                                    uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    size_t produced = capacity;
    if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, (EVP_PKEY *)key, NULL) == 1
        && EVP_DigestSign(ctx, out, &produced, message, message_length) == 1) {
        *out_length = produced;
        status = PIVLINK_STATUS_OK;
    }
    EVP_MD_CTX_free(ctx);
    return status;
}

int pivlink_ed25519_verify(const pivlink_pkey *key, const uint8_t *message, size_t message_length,
                           const uint8_t *signature, size_t signature_length) {
    ERR_clear_error();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return 0;
    int valid = EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, (EVP_PKEY *)key, NULL) == 1
                && EVP_DigestVerify(ctx, signature, signature_length, message, message_length) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return valid;
}

pivlink_status pivlink_derive(const pivlink_pkey *key, const pivlink_pkey *peer,
                              uint8_t *out, size_t capacity, size_t *out_length) {
    ERR_clear_error();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)key, NULL);
    if (ctx == NULL) return PIVLINK_STATUS_BACKEND;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    size_t needed = 0;
    if (EVP_PKEY_derive_init(ctx) == 1) {
        // validate_peer = 1 runs EVP_PKEY_public_check on the peer (on-curve, order) before using it.
        if (EVP_PKEY_derive_set_peer_ex(ctx, (EVP_PKEY *)peer, 1) != 1) {
            status = PIVLINK_STATUS_INVALID_INPUT;
        } else if (EVP_PKEY_derive(ctx, NULL, &needed) == 1) {
            size_t produced = capacity;
            if (needed > capacity) {
                status = PIVLINK_STATUS_BACKEND;
            } else if (EVP_PKEY_derive(ctx, out, &produced) == 1) {
                *out_length = produced;
                status = PIVLINK_STATUS_OK;
            } else {
                // X25519 refuses a peer of small order, whose shared secret would be all zeros.
                status = PIVLINK_STATUS_INVALID_INPUT;
            }
        }
    }
    EVP_PKEY_CTX_free(ctx);
    return status;
}
