#include "config.h"

#include "err.h"

const char *
authd_strerror(int err)
{
	switch (err) {
	case AUTHD_OK: return "success";
	case AUTHD_ERR_INCOMPLETE: return "incomplete frame";
	case AUTHD_ERR_NOMEM: return "out of memory";
	case AUTHD_ERR_TOO_LONG: return "length over its bound";
	case AUTHD_ERR_BAD_MAGIC: return "not an authd frame";
	case AUTHD_ERR_BAD_VERSION: return "unsupported protocol version";
	case AUTHD_ERR_BAD_TYPE: return "unknown message type";
	case AUTHD_ERR_BAD_FIELD: return "malformed or unknown field";
	case AUTHD_ERR_TRUNCATED: return "truncated field";
	case AUTHD_ERR_MISSING: return "required field missing";
	case AUTHD_ERR_DUPLICATE: return "duplicate field";
	case AUTHD_ERR_TOO_MANY: return "too many fields";
	case AUTHD_ERR_INVALID: return "invalid argument";
	case AUTHD_ERR_IO: return "input/output error";
	case AUTHD_ERR_TIMEOUT: return "timed out";
	case AUTHD_ERR_CLOSED: return "connection closed by peer";
	case AUTHD_ERR_PERM: return "unsafe ownership or permissions";
	case AUTHD_ERR_CONFIG: return "configuration error";
	case AUTHD_ERR_AUDIT: return "audit record could not be written";
	case AUTHD_ERR_CRYPTO: return "cryptographic failure";
	default: return "unknown error";
	}
}
