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
