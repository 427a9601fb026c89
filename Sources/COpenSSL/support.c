// Error queue, memory and randomness helpers.
#include "pivlink_openssl.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

size_t pivlink_take_error_string(char *buf, size_t capacity) {
    if (capacity == 0) {
        ERR_clear_error();
        return 0;
    }
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        buf[0] = '\0';
        return 0;
    }
    ERR_error_string_n(code, buf, capacity);
    return strlen(buf);
}

void pivlink_free(uint8_t *buffer) { OPENSSL_free(buffer); }

void pivlink_free_secret(uint8_t *buffer, size_t length) { OPENSSL_clear_free(buffer, length); }

void pivlink_cleanse(void *buffer, size_t length) { OPENSSL_cleanse(buffer, length); }

int pivlink_constant_time_equal(const void *a, const void *b, size_t length) {
    return CRYPTO_memcmp(a, b, length) == 0;
}

int pivlink_random_bytes(uint8_t *out, size_t length) {
    ERR_clear_error();
    return RAND_bytes_ex(NULL, out, length, 0) == 1;
}
