/* One error enum for the common library: AUTHD_OK is 0, errors are negative. */
#ifndef AUTHD_ERR_H
#define AUTHD_ERR_H

enum authd_err {
	AUTHD_OK = 0,
	AUTHD_ERR_INCOMPLETE = -1,     /* need more bytes to finish a frame */
	AUTHD_ERR_NOMEM = -2,
	AUTHD_ERR_TOO_LONG = -3,       /* a length over its bound */
	AUTHD_ERR_BAD_MAGIC = -4,
	AUTHD_ERR_BAD_VERSION = -5,
	AUTHD_ERR_BAD_TYPE = -6,
	AUTHD_ERR_BAD_FIELD = -7,      /* malformed or unknown field */
	AUTHD_ERR_TRUNCATED = -8,      /* a field runs past the end of its frame */
	AUTHD_ERR_MISSING = -9,        /* a required field is absent */
	AUTHD_ERR_DUPLICATE = -10,     /* a field that may appear once appears twice */
	AUTHD_ERR_TOO_MANY = -11,      /* too many fields in one frame */
	AUTHD_ERR_INVALID = -12,       /* invalid argument or value */
	AUTHD_ERR_IO = -13,
	AUTHD_ERR_TIMEOUT = -14,
	AUTHD_ERR_CLOSED = -15,        /* the peer closed the connection */
	AUTHD_ERR_PERM = -16,          /* unsafe ownership or permissions */
	AUTHD_ERR_CONFIG = -17,
	AUTHD_ERR_AUDIT = -18,         /* an audit record could not be written */
	AUTHD_ERR_CRYPTO = -19,
};

const char *authd_strerror(int err);

#endif
