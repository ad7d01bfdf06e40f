#include "config.h"

#include <string.h>

#include "verifier.h"

/*
 * Every method this build knows, in the engine's order of asking: the
 * password first (it is typed before any device is touched), then the
 * methods that prove the most per step: the card (knowledge + possession),
 * FIDO2 (possession, and more with user verification), then TOTP.
 */
const struct verifier *const verifiers_all[] = {
	&verifier_password,
	&verifier_card,
	&verifier_fido2,
	&verifier_totp,
	NULL
};

