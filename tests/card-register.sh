#!/bin/bash
# authctl card register / list / show against a real private slapd
# (ldap_schema/authd-slapd --demo), with certificates from a test CA made
# by tests/lib/card-setup.sh: the administrator registers; a card's
# certificate belongs to exactly one person; one active card per person;
# a person reads their own card and not another's.
set -uo pipefail

srcdir=${AUTHD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${AUTHD_BUILDDIR:-$PWD}
AUTHCTL=$builddir/authctl/authctl
SLAPCTL=$srcdir/ldap_schema/authd-slapd

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (setpriv to the demo people's uids)"
for t in /usr/sbin/slapd ldapsearch setpriv softhsm2-util pkcs11-tool; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$AUTHCTL" ] || { echo "FAIL: $AUTHCTL not built"; exit 1; }

DIR=$(mktemp -d /tmp/sl.XXXXXX)
cleanup() { "$SLAPCTL" stop "$DIR" >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
chmod 0755 "$DIR"

. "$srcdir/tests/lib/authctl-test.sh"

"$srcdir/tests/lib/card-setup.sh" "$DIR/cards" >/dev/null ||
    { echo "FAIL: card-setup.sh"; exit 1; }
chmod -R a+rX "$DIR/cards"
"$SLAPCTL" init "$DIR" --demo --hash SSHA >/dev/null 2>&1 ||
    { echo "FAIL: authd-slapd init"; exit 1; }
"$SLAPCTL" start "$DIR" || { echo "FAIL: authd-slapd start"; exit 1; }
eval "$("$SLAPCTL" env "$DIR")"
PEOPLE=ou=people,$BASE_DN
ADMIN=$(attr "uid=yamada,$PEOPLE" uidNumber)
CLERK=$(attr "uid=sato,$PEOPLE" uidNumber)
ETC=$DIR/etc
mkdir -m 0755 "$ETC"
printf 'ldap_uri = %s\nbase_dn = %s\naudit_log = %s/audit.log\n' \
    "$LDAPI_URI" "$BASE_DN" "$ETC" >"$ETC/authd.conf"
: >"$ETC/audit.log"
chmod 0644 "$ETC/authd.conf"
chmod 0600 "$ETC/audit.log"
chown "$ADMIN" "$ETC/authd.conf" "$ETC/audit.log"
C=(-c "$ETC/authd.conf")
CC=(-H "$LDAPI_URI" -b "$BASE_DN")   # the clerk has no config of her own
CARDS=$DIR/cards

run "$ADMIN" "${C[@]}" card register sato "$CARDS/card1/cert.pem" --serial VC-0001
expect 0 "sato: card VC-0001 registered and active" "register a card as the administrator"
D="authdCardSerial=VC-0001,uid=sato,$PEOPLE"
[ "$(attr "$D" authdCardState)" = active ] && ok "the card entry is active" ||
    fail "state is $(attr "$D" authdCardState)"
fpr=$(openssl x509 -in "$CARDS/card1/cert.pem" -outform DER | sha256sum | cut -d' ' -f1)
[ "$(attr "$D" authdCardFingerprint)" = "$fpr" ] &&
    ok "the fingerprint is SHA-256 of the DER certificate" ||
    fail "fingerprint $(attr "$D" authdCardFingerprint), wanted $fpr"
grep -q "card_register.*user=sato.*success" "$ETC/audit.log" &&
    ok "the registration is in the audit log" || fail "no audit record"

run "$ADMIN" "${C[@]}" card register suzuki "$CARDS/card1/cert.der"
expect 1 "a card's certificate belongs to exactly one person" \
    "the same certificate for another person is refused"
[[ "$err" == *"already registered to sato"* ]] && ok "the refusal names the holder" ||
    fail "holder not named: $err"
grep -q "card_register.*user=suzuki.*refused" "$ETC/audit.log" &&
    ok "the refusal is in the audit log" || fail "no audit record of the refusal"

run "$ADMIN" "${C[@]}" card register sato "$CARDS/card2/cert.pem"
expect 1 "sato already has an active card (VC-0001): one active card per person" \
    "a second active card is refused"

run "$ADMIN" "${C[@]}" card register suzuki "$CARDS/card2/cert.pem"
expect 0 "registered and active" "another person's own card, default serial"

run "$CLERK" "${CC[@]}" card register sato "$CARDS/rsa/cert.pem"
expect 1 "the directory refused" "a person who is not an administrator cannot register"

run "$ADMIN" "${C[@]}" card register sato /etc/hostname
expect 2 "is not an X.509 certificate" "a file that is no certificate"

# Certificates the test CA signs that authd refuses at every login (authd/
# card.c): a CA's, one for another purpose, weak ones. make_cert NAME KEYARGS
# DIGEST EXTENSIONS: $CARDS/NAME.pem, otherwise a good card's certificate.
make_cert() {
	local name=$1 keyargs=$2 digest=$3 ext=$4
	openssl genpkey $keyargs -out "$CARDS/$name.key" 2>/dev/null &&
	    openssl req -new -key "$CARDS/$name.key" -subj "/O=Test Village/CN=$name" \
	    -out "$CARDS/$name.csr" &&
	    printf 'basicConstraints = critical,%s\n' "$ext" >"$CARDS/$name.ext" &&
	    openssl x509 -req -in "$CARDS/$name.csr" -CA "$CARDS/ca/ca.pem" \
	    -CAkey "$CARDS/ca/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
	    -days 30 "-$digest" -extfile "$CARDS/$name.ext" \
	    -out "$CARDS/$name.pem" 2>/dev/null ||
	    { echo "FAIL: cannot make the certificate $name"; exit 1; }
}
EC="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
CLIENT="CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth"
make_cert ca-card "$EC" sha256 "CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = clientAuth"
make_cert mail-card "$EC" sha256 "CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = emailProtection"
make_cert rsa1024-card "-algorithm RSA -pkeyopt rsa_keygen_bits:1024" sha256 "$CLIENT"
make_cert sha1-card "$EC" sha1 "$CLIENT"
make_cert good-card "$EC" sha256 "$CLIENT"

# cards_of UID N WHAT: the person has exactly N card entries.
cards_of() {
	local found
	found=$(ldapsearch -Q -LLL -Y EXTERNAL -H "$LDAPI_URI" -b "uid=$1,$PEOPLE" \
	    "(objectClass=authdCard)" dn) || { fail "$3 (search failed)"; return; }
	found=$(grep -c '^dn:' <<<"$found")
	[ "$found" -eq "$2" ] && ok "$3" || fail "$3 ($found card entries under $1)"
}

# Each to a person without a card, so that each case stands on its own.
run "$ADMIN" "${C[@]}" card register tanaka "$CARDS/ca-card.pem" --serial BAD-CA
expect 2 "refused: $CARDS/ca-card.pem: card certificate is a CA certificate: authd refuses every login with it" \
    "a CA:TRUE certificate is refused at registration"
cards_of tanaka 0 "nothing is written for the CA certificate"

run "$ADMIN" "${C[@]}" card register ito "$CARDS/mail-card.pem"
expect 2 "refused: $CARDS/mail-card.pem: card certificate not for client authentication (extendedKeyUsage)" \
    "an emailProtection-only certificate is refused at registration"
cards_of ito 0 "nothing is written for the emailProtection certificate"

# root: the administrator may not add a card of her own
run root "${CC[@]}" card register yamada "$CARDS/rsa1024-card.pem"
expect 2 "refused: $CARDS/rsa1024-card.pem: card certificate below security level 2 (weak key or signature): EE certificate key too weak" \
    "an RSA-1024 certificate is refused at registration"
cards_of yamada 0 "nothing is written for the RSA-1024 certificate"

# card issue adds the card through the same code as card register
run "$ADMIN" "${C[@]}" card issue tanaka "$CARDS/sha1-card.pem"
expect 2 "card certificate below security level 2 (weak key or signature): CA signature digest algorithm too weak" \
    "card issue refuses a certificate the CA signed with SHA-1"
cards_of tanaka 0 "nothing is written for the SHA-1 certificate"
grep -Eq "user=(tanaka|ito|yamada)" "$ETC/audit.log" &&
    fail "a refused certificate is in the audit log" ||
    ok "no refused certificate is in the audit log (nothing was done)"

run "$ADMIN" "${C[@]}" card register tanaka "$CARDS/good-card.pem" --serial GOOD-1
expect 0 "tanaka: card GOOD-1 registered and active" \
    "a certificate made the same way, for client authentication, registers"
cards_of tanaka 1 "the good certificate is tanaka's one card"

run "$ADMIN" "${C[@]}" card list
expect 0 "VC-0001" "card list shows the cards"
[[ "$out" == *suzuki* && "$out" == *"Test Village Card CA"* ]] &&
    ok "card list shows holders and issuers" || fail "list: $out"

run "$ADMIN" "${C[@]}" card show VC-0001
expect 0 "O=Test Village,CN=alice" "card show reads the certificate's subject"
[[ "$out" == *"holder                   sato"* ]] && ok "card show names the holder" ||
    fail "show: $out"
run "$ADMIN" "${C[@]}" card show NOPE-1
expect 1 "no card with serial NOPE-1" "card show of an unknown serial"

run "$CLERK" "${CC[@]}" card list sato
expect 0 "VC-0001" "a person reads their own card"
run "$CLERK" "${CC[@]}" card list suzuki
[ "$rc" -ne 0 ] || [[ "$out" == "no cards" ]] &&
    [[ "$out" != *suzuki* || "$out" == "no cards" ]] &&
    ok "a person does not see another person's card" || fail "clerk saw: $out"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
