/*
 * Key files: 32 bytes written as 64 hex digits on one line (a trailing
 * newline allowed), as `openssl rand -hex 32` prints them. The TOTP site
 * key is one (totp.h, made by the administrator); the host's decoy key is
 * another (made by authd in its state directory when there is no site key,
 * main.c).
 *
 * key_file_load: the file must be regular, owned by root (or the caller),
 * writable by nobody else and readable by no one outside its group (mode
 * 0600 or 0640). AUTHD_OK with the key; else AUTHD_ERR_PERM, AUTHD_ERR_IO
 * or AUTHD_ERR_INVALID, with a message naming the file and `what` in err;
 * the key is wiped then.
 * `hint` follows the rule on permissions in that message ("" for none).
 *
 * key_file_create: 32 random bytes (OpenSSL's DRBG) into a new file at
 * path, mode 0600, written whole beside it, synced and renamed into place
 * (never half a key after a crash), and never over a file already there
 * (another authd's, a moment before). AUTHD_OK with the key, else an
 * error with a message in err.
 */
#ifndef AUTHD_KEY_FILE_H
#define AUTHD_KEY_FILE_H

#include <stddef.h>
#include <stdint.h>

#define KEY_FILE_LEN 32

int key_file_load(const char *path, const char *what, const char *hint,
    uint8_t key[KEY_FILE_LEN], char *err, size_t errlen);
int key_file_create(const char *path, const char *what,
    uint8_t key[KEY_FILE_LEN], char *err, size_t errlen);

#endif
