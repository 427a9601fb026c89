// Single-block ECB for the PIV management key challenge-response.
#include "pivlink_openssl.h"

#include <limits.h>

#include <openssl/err.h>
#include <openssl/evp.h>

static const char *cipher_name(pivlink_cipher cipher) {
    switch (cipher) {
    case PIVLINK_CIPHER_DES_EDE3_ECB: return "DES-EDE3-ECB";
    case PIVLINK_CIPHER_AES128_ECB: return "AES-128-ECB";
    case PIVLINK_CIPHER_AES192_ECB: return "AES-192-ECB";
    case PIVLINK_CIPHER_AES256_ECB: return "AES-256-ECB";
    }
    return NULL;
}

pivlink_status pivlink_block_cipher(pivlink_cipher cipher, int encrypt, const uint8_t *key, size_t key_length,
                                    const uint8_t *block, size_t block_length, uint8_t *out) {
    ERR_clear_error();
    const char *name = cipher_name(cipher);
    if (name == NULL) return PIVLINK_STATUS_UNSUPPORTED;
    EVP_CIPHER *algorithm = EVP_CIPHER_fetch(NULL, name, NULL);
    if (algorithm == NULL) return PIVLINK_STATUS_BACKEND;
    pivlink_status status = PIVLINK_STATUS_BACKEND;
    EVP_CIPHER_CTX *ctx = NULL;
    if ((size_t)EVP_CIPHER_get_key_length(algorithm) != key_length) {
        status = PIVLINK_STATUS_INVALID_KEY;
    } else if ((size_t)EVP_CIPHER_get_block_size(algorithm) != block_length) {
        status = PIVLINK_STATUS_INVALID_INPUT;
    } else if ((ctx = EVP_CIPHER_CTX_new()) != NULL
               && EVP_CipherInit_ex2(ctx, algorithm, key, NULL, encrypt ? 1 : 0, NULL) == 1
               && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1) {
        int written = 0;
        int final_written = 0;
        if (EVP_CipherUpdate(ctx, out, &written, block, (int)block_length) == 1
            && EVP_CipherFinal_ex(ctx, out + written, &final_written) == 1
            && (size_t)(written + final_written) == block_length) {
            status = PIVLINK_STATUS_OK;
        }
    }
    // Freeing the context cleanses the expanded key schedule.
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(algorithm);
    return status;
}
