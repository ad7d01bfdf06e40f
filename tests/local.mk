# tests/: each kind of test describes itself in its own fragment.
include tests/unit.mk
include tests/pam.mk
include tests/schema.mk
include tests/integration.mk
include tests/authctl.mk
include tests/nss.mk
include tests/view.mk
include tests/totp.mk
include tests/card.mk
include tests/mfa.mk
include tests/fido2.mk
include tests/cardlife.mk
include tests/revoke.mk
include tests/session_limits.mk
include tests/grant.mk
