// pivlink's narrow C interface to OpenSSL 3 (libcrypto). CardCrypto is its only user.
//
// Why a shim instead of importing <openssl/*.h> into Swift: many OpenSSL entry points are macros or
// variadic, ownership rules differ per call, and the error queue is thread-local state that has to be
// read right after the failing call. Each function here does one job over the EVP APIs, frees what it
// allocates, cleanses secret intermediates and reports a pivlink_status. When a function fails, the
// reason stays in OpenSSL's error queue until pivlink_take_error_string reads it (every function starts
// by clearing the queue, so what is there belongs to the last call on this thread).
#ifndef PIVLINK_OPENSSL_H
#define PIVLINK_OPENSSL_H

#include <stddef.h>
#include <stdint.h>

/// Gives the enum constants short Swift names (pivlink_status.ok rather than .PIVLINK_STATUS_OK).
#define PIVLINK_SWIFT_NAME(name) __attribute__((swift_name(#name)))

/// An OpenSSL EVP_PKEY (declared opaque so that Swift sees an OpaquePointer and nothing of OpenSSL).
typedef struct evp_pkey_st pivlink_pkey;

typedef enum __attribute__((enum_extensibility(closed))) pivlink_status {
    PIVLINK_STATUS_OK PIVLINK_SWIFT_NAME(ok) = 0,
    PIVLINK_STATUS_INVALID_KEY PIVLINK_SWIFT_NAME(invalidKey) = 1,
    PIVLINK_STATUS_INVALID_INPUT PIVLINK_SWIFT_NAME(invalidInput) = 2,
    PIVLINK_STATUS_UNSUPPORTED PIVLINK_SWIFT_NAME(unsupported) = 3,
    PIVLINK_STATUS_BACKEND PIVLINK_SWIFT_NAME(backend) = 4,
} pivlink_status;

typedef enum __attribute__((enum_extensibility(closed))) pivlink_key_kind {
    PIVLINK_KEY_KIND_RSA PIVLINK_SWIFT_NAME(rsa) = 1,
    PIVLINK_KEY_KIND_P256 PIVLINK_SWIFT_NAME(p256) = 2,
    PIVLINK_KEY_KIND_P384 PIVLINK_SWIFT_NAME(p384) = 3,
    PIVLINK_KEY_KIND_ED25519 PIVLINK_SWIFT_NAME(ed25519) = 4,
    PIVLINK_KEY_KIND_X25519 PIVLINK_SWIFT_NAME(x25519) = 5,
} pivlink_key_kind;

typedef enum __attribute__((enum_extensibility(closed))) pivlink_cipher {
    PIVLINK_CIPHER_DES_EDE3_ECB PIVLINK_SWIFT_NAME(desEde3Ecb) = 1,
    PIVLINK_CIPHER_AES128_ECB PIVLINK_SWIFT_NAME(aes128Ecb) = 2,
    PIVLINK_CIPHER_AES192_ECB PIVLINK_SWIFT_NAME(aes192Ecb) = 3,
    PIVLINK_CIPHER_AES256_ECB PIVLINK_SWIFT_NAME(aes256Ecb) = 4,
} pivlink_cipher;

// MARK: errors, memory, randomness

/// Writes the earliest queued OpenSSL error as text into buf (NUL-terminated, truncated to capacity),
/// clears the queue and returns the text length (0 when the queue was empty).
size_t pivlink_take_error_string(char *buf, size_t capacity);

/// Frees a buffer returned by pivlink_pkey_to_spki.
void pivlink_free(uint8_t *buffer);
/// Cleanses and frees a buffer returned by pivlink_pkey_to_pkcs8.
void pivlink_free_secret(uint8_t *buffer, size_t length);
/// OPENSSL_cleanse: zeroes memory in a way the compiler cannot elide.
void pivlink_cleanse(void *buffer, size_t length);
/// CRYPTO_memcmp == 0: constant-time equality of two buffers of the same length.
int pivlink_constant_time_equal(const void *a, const void *b, size_t length);
/// RAND_bytes_ex from the default DRBG; 1 on success.
int pivlink_random_bytes(uint8_t *out, size_t length);

// MARK: key handles

void pivlink_pkey_free(pivlink_pkey *key);
/// Generates a key. rsa_bits is read only for PIVLINK_KEY_KIND_RSA (public exponent 65537).
pivlink_status pivlink_pkey_generate(pivlink_key_kind kind, unsigned rsa_bits, pivlink_pkey **out);
/// Reports which kind of key this is; bits is the RSA modulus size or the curve order size.
pivlink_status pivlink_pkey_describe(const pivlink_pkey *key, pivlink_key_kind *kind, unsigned *bits);

/// Parses a PKCS#8 PrivateKeyInfo (DER, no trailing bytes).
pivlink_status pivlink_pkey_from_pkcs8(const uint8_t *der, size_t length, pivlink_pkey **out);
/// Encodes the private key as PKCS#8 DER. *out is secret: release it with pivlink_free_secret.
pivlink_status pivlink_pkey_to_pkcs8(const pivlink_pkey *key, uint8_t **out, size_t *out_length);
/// Parses an X.509 SubjectPublicKeyInfo (DER, no trailing bytes).
pivlink_status pivlink_pkey_from_spki(const uint8_t *der, size_t length, pivlink_pkey **out);
/// Encodes the public half as SubjectPublicKeyInfo DER; release *out with pivlink_free.
pivlink_status pivlink_pkey_to_spki(const pivlink_pkey *key, uint8_t **out, size_t *out_length);

// MARK: public key components

/// RSA modulus and public exponent, big-endian without leading zero bytes.
pivlink_status pivlink_rsa_public_components(const pivlink_pkey *key,
                                             uint8_t *modulus, size_t modulus_capacity, size_t *modulus_length,
                                             uint8_t *exponent, size_t exponent_capacity, size_t *exponent_length);
/// EC public point, uncompressed (04 || X || Y) with X and Y padded to field_length bytes.
pivlink_status pivlink_ec_public_point(const pivlink_pkey *key, size_t field_length,
                                       uint8_t *out, size_t capacity, size_t *out_length);
/// Raw 32-byte public key of an Ed25519 or X25519 key.
pivlink_status pivlink_raw_public_key(const pivlink_pkey *key, uint8_t *out, size_t capacity, size_t *out_length);

/// Builds public keys from components (EVP_PKEY_fromdata / raw). An EC point must lie on the curve.
pivlink_status pivlink_pkey_rsa_public(const uint8_t *modulus, size_t modulus_length,
                                       const uint8_t *exponent, size_t exponent_length, pivlink_pkey **out);
pivlink_status pivlink_pkey_ec_public(pivlink_key_kind kind, const uint8_t *point, size_t length, pivlink_pkey **out);
pivlink_status pivlink_pkey_raw_public(pivlink_key_kind kind, const uint8_t *bytes, size_t length, pivlink_pkey **out);

// MARK: private keys from components (YubiKey IMPORT ASYMMETRIC KEY)

/// RSA from its CRT values with e = 65537: computes n and d, checks dp, dq and qinv against p and q,
/// then runs OpenSSL's full key check (primality included). Inconsistent values give INVALID_KEY.
pivlink_status pivlink_rsa_import_crt(const uint8_t *p, size_t p_length, const uint8_t *q, size_t q_length,
                                      const uint8_t *dp, size_t dp_length, const uint8_t *dq, size_t dq_length,
                                      const uint8_t *qinv, size_t qinv_length, pivlink_pkey **out);
/// EC (P-256 / P-384) from the private scalar, big-endian; requires 0 < scalar < order.
pivlink_status pivlink_ec_import_scalar(pivlink_key_kind kind, const uint8_t *scalar, size_t length, pivlink_pkey **out);
/// Ed25519 / X25519 from the 32 raw private bytes.
pivlink_status pivlink_raw_import_private(pivlink_key_kind kind, const uint8_t *bytes, size_t length, pivlink_pkey **out);

// MARK: operations

/// RSA without padding: m^d mod n when use_private is nonzero, else m^e mod n. The output is the
/// modulus length, left-padded with zeros.
pivlink_status pivlink_rsa_raw(const pivlink_pkey *key, int use_private, const uint8_t *input, size_t length,
                               uint8_t *out, size_t capacity, size_t *out_length);
/// ECDSA over a caller-supplied digest (no hashing); the signature is DER ECDSA-Sig-Value.
pivlink_status pivlink_ecdsa_sign(const pivlink_pkey *key, const uint8_t *digest, size_t digest_length,
                                  uint8_t *out, size_t capacity, size_t *out_length);
/// 1 when the DER signature over the digest verifies, 0 otherwise (including malformed input).
int pivlink_ecdsa_verify(const pivlink_pkey *key, const uint8_t *digest, size_t digest_length,
                         const uint8_t *signature, size_t signature_length);
/// Pure Ed25519 (RFC 8032) over the whole message; the signature is 64 bytes.
pivlink_status pivlink_ed25519_sign(const pivlink_pkey *key, const uint8_t *message, size_t message_length,
                                    uint8_t *out, size_t capacity, size_t *out_length);
int pivlink_ed25519_verify(const pivlink_pkey *key, const uint8_t *message, size_t message_length,
                           const uint8_t *signature, size_t signature_length);
/// ECDH / X25519 with a validated peer key. ECDH yields the X coordinate, padded to the field length.
pivlink_status pivlink_derive(const pivlink_pkey *key, const pivlink_pkey *peer,
                              uint8_t *out, size_t capacity, size_t *out_length);

/// One ECB pass without padding over exactly one block.
pivlink_status pivlink_block_cipher(pivlink_cipher cipher, int encrypt, const uint8_t *key, size_t key_length,
                                    const uint8_t *block, size_t block_length, uint8_t *out);

/// scrypt (RFC 7914) through EVP_KDF "SCRYPT"; max_memory bounds what OpenSSL may allocate.
pivlink_status pivlink_scrypt(const uint8_t *password, size_t password_length,
                              const uint8_t *salt, size_t salt_length,
                              uint64_t n, uint32_t r, uint32_t p, uint64_t max_memory,
                              uint8_t *out, size_t out_length);

#endif
