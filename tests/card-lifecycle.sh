#!/bin/bash
# The IC card lifecycle through authctl against a real private slapd
# (ldap_schema/authd-slapd --demo) with certificates from a test CA made by
# tests/lib/card-setup.sh: issue -> activate -> suspend --until -> resume ->
# lost -> collected -> destroyed (handler and witness two different people),
# the replacement flow and what card report owes, a certificate for a
# second person refused, one active card per person on activate, a person
# never changing their own card (authctl and the ACL), who/when/why of every
# transition, and a CRL from authctl that openssl verify -crl_check honours.
set -uo pipefail

srcdir=${AUTHD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${AUTHD_BUILDDIR:-$PWD}
AUTHCTL=$builddir/authctl/authctl
SLAPCTL=$srcdir/ldap_schema/authd-slapd

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (setpriv to the demo people's uids)"
for t in /usr/sbin/slapd ldapsearch ldapmodify setpriv softhsm2-util pkcs11-tool openssl; do
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
ADMIN_DN="uid=yamada,$PEOPLE"
ETC=$DIR/etc
mkdir -m 0755 "$ETC"
printf 'ldap_uri = %s\nbase_dn = %s\naudit_log = %s/audit.log\n' \
    "$LDAPI_URI" "$BASE_DN" "$ETC" >"$ETC/authd.conf"
: >"$ETC/audit.log"
chmod 0644 "$ETC/authd.conf"
chmod 0600 "$ETC/audit.log"
chown "$ADMIN" "$ETC/authd.conf" "$ETC/audit.log"
C=(-c "$ETC/authd.conf")
CC=(-H "$LDAPI_URI" -b "$BASE_DN")
CARDS=$DIR/cards
CA=$CARDS/ca
D1="authdCardSerial=LC-1,uid=sato,$PEOPLE"
# the CA key with its keeper (the administrator), the CRL published in PUB
chown "$ADMIN" "$CA/ca.key"
chmod 0600 "$CA/ca.key"
PUB=$DIR/pub
mkdir -m 0755 "$PUB"
chown "$ADMIN" "$PUB"

crl_verify() {   # crl_verify CERT: 0 when openssl accepts it against a fresh CRL
	openssl verify -crl_check -CAfile "$CA/ca.pem" -CRLfile "$PUB/crl.pem" "$1" \
	    >"$DIR/verify" 2>&1
}

# --- issue -> activate -> suspend --until -> resume ---
run "$ADMIN" "${C[@]}" card issue sato "$CARDS/card1/cert.pem" --serial LC-1
expect 0 "card LC-1 registered and issued" "card issue: state issued"
check "$D1" authdCardState issued "the issued card is not active yet"
run "$ADMIN" "${C[@]}" card activate LC-1
expect 0 "card LC-1 is now active" "card activate"
run "$ADMIN" "${C[@]}" card suspend LC-1 --until +2h
expect 2 "needs --reason" "a suspension needs a reason"
run "$ADMIN" "${C[@]}" card suspend LC-1 --reason "left at home" --until 2001-01-01
expect 2 "a time to come" "a suspension end in the past is refused"
run "$ADMIN" "${C[@]}" card suspend LC-1 --reason "left at home" --until +2h
expect 0 "card LC-1 is now suspended" "card suspend --until"
until_v=$(attr "$D1" authdCardSuspendedUntil)
want=$(date -u -d '+2 hours' +%Y%m%d%H)
[[ "$until_v" == "$want"* ]] && ok "authdCardSuspendedUntil is two hours ahead" ||
    fail "authdCardSuspendedUntil $until_v, wanted $want..."
run "$ADMIN" "${C[@]}" card resume LC-1 --reason "found it"
expect 0 "card LC-1 is now active" "card resume"
[ -z "$(attr "$D1" authdCardSuspendedUntil)" ] &&
    ok "resume clears the end of the suspension" || fail "authdCardSuspendedUntil left"
# a suspension whose end has passed counts as active
ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null <<LDIF
dn: $D1
changetype: modify
replace: authdCardState
authdCardState: suspended
-
replace: authdCardSuspendedUntil
authdCardSuspendedUntil: 20200101000000Z
LDIF
run "$ADMIN" "${C[@]}" card list sato
expect 0 "active*" "card list: a suspension that has ended shows as active*"
ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null <<LDIF
dn: $D1
changetype: modify
replace: authdCardState
authdCardState: active
-
delete: authdCardSuspendedUntil
LDIF

# --- the CRL: an active card passes ---
run "$CLERK" "${CC[@]}" card crl --ca-cert "$CA/ca.pem" --ca-key "$CA/ca.key" --out "$PUB/crl.pem"
expect 1 "the directory refused" "a person who is not an administrator makes no CRL"
run "$ADMIN" "${C[@]}" card crl --ca-cert "$CA/ca.pem" --ca-key "$CA/ca.key" --out "$PUB/crl.pem"
expect 0 "CRL of 0 card certificate(s)" "card crl with nothing revoked"
crl_verify "$CARDS/card1/cert.pem" && ok "openssl verify -crl_check accepts the active card" ||
    fail "active card rejected: $(cat "$DIR/verify")"

# --- lost -> collected -> destroyed ---
run "$ADMIN" "${C[@]}" card lost LC-1 --reason "left on the train"
expect 0 "card LC-1 is now lost" "card lost"
run "$ADMIN" "${C[@]}" card resume LC-1
expect 1 "card LC-1 is lost: it cannot be resume" "a lost card is not resumed"
run "$ADMIN" "${C[@]}" card crl --ca-cert "$CA/ca.pem" --ca-key "$CA/ca.key" --out "$PUB/crl.pem"
expect 0 "CRL of 1 card certificate(s)" "card crl lists the lost card"
if crl_verify "$CARDS/card1/cert.pem"; then
	fail "openssl verify accepted the lost card"
else
	grep -q "certificate revoked" "$DIR/verify" &&
	    ok "openssl verify -crl_check rejects the lost card (revoked)" ||
	    fail "lost card rejected for another reason: $(cat "$DIR/verify")"
fi
openssl crl -in "$PUB/crl.pem" -noout -text | grep -q "Key Compromise" &&
    ok "a lost card's reason code is keyCompromise" || fail "no keyCompromise reason"
# --out replaces what is there, a symbolic link included, and never writes
# through it; no temporary file is left beside it.
echo "not a crl" >"$DIR/victim"
ln -sf "$DIR/victim" "$PUB/linked.pem"
run "$ADMIN" "${C[@]}" card crl --ca-cert "$CA/ca.pem" --ca-key "$CA/ca.key" --out "$PUB/linked.pem"
expect 0 "CRL of 1 card certificate(s)" "card crl over a symbolic link"
[ "$(cat "$DIR/victim")" = "not a crl" ] && [ ! -L "$PUB/linked.pem" ] &&
    openssl crl -in "$PUB/linked.pem" -noout 2>/dev/null &&
    ok "--out replaced the link, not the file it pointed to" ||
    fail "--out wrote through a symbolic link: $(ls -l "$PUB/linked.pem"; cat "$DIR/victim")"
left=$(find "$PUB" -name 'linked.pem.*' -o -name 'crl.pem.*' | wc -l)
[ "$left" -eq 0 ] && ok "no temporary CRL file left" || fail "$left temporary file(s) left in $PUB"

run "$ADMIN" "${C[@]}" card destroyed LC-1 --date today --method shredded --handler yamada --witness suzuki
expect 2 "--date wants" "a date that is no date"
run "$ADMIN" "${C[@]}" card destroyed LC-1 --date "$(date +%F)" --method shredded --handler yamada --witness suzuki
expect 1 "it cannot be destroyed before it is collected" "no destruction before collection"
run "$ADMIN" "${C[@]}" card report
expect 0 "not collected, not destroyed" "card report lists the lost card"
run "$ADMIN" "${C[@]}" card collected LC-1 --by nobody
expect 1 "not a person" "the collector must be a person"
run "$ADMIN" "${C[@]}" card collected LC-1 --by yamada --reason "handed in by the station"
expect 0 "card LC-1 is now collected" "card collected"
check "$D1" authdCardCollectedBy "$ADMIN_DN" "authdCardCollectedBy names the collector"
run "$ADMIN" "${C[@]}" card report
[[ "$out" == *LC-1*"collected, no destruction record"* ]] &&
    ok "card report: a missing destruction record shows" || fail "report: $out"
run "$ADMIN" "${C[@]}" card destroyed LC-1 --date "$(date +%F)" --method shredded --handler yamada --witness yamada
expect 1 "two different people" "handler and witness the same person: refused"
run "$ADMIN" "${C[@]}" card destroyed LC-1 --date "$(date +%F)" --method shredded --handler yamada --witness nobody
expect 1 "the witness nobody is not a person" "a witness who is not a person: refused"
check "$D1" authdCardState collected "the refusals changed nothing"
run "$ADMIN" "${C[@]}" card destroyed LC-1 --date "$(date +%F)" --method "shredded (cross-cut)" --handler yamada --witness suzuki
expect 0 "card LC-1 is now destroyed" "card destroyed with handler and witness"
check "$D1" authdCardDestroyHandler "$ADMIN_DN" "the handler is recorded"
check "$D1" authdCardDestroyWitness "uid=suzuki,$PEOPLE" "the witness is recorded"
check "$D1" authdCardDestroyMethod "shredded (cross-cut)" "the method is recorded"
run "$ADMIN" "${C[@]}" card report
[[ "$out" != *LC-1* ]] && ok "card report: nothing owed for a destroyed card" ||
    fail "report still lists LC-1: $out"

# --- who, when, why ---
run "$ADMIN" "${C[@]}" card show LC-1
expect 0 "history (time, state, by whom, why)" "card show prints the history"
n=$(grep -c "<$ADMIN_DN>" "$DIR/out")
[ "$n" -eq 7 ] && ok "seven transitions, each by the acting person" ||
    fail "$n history lines name $ADMIN_DN: $out"
for w in "issued <$ADMIN_DN> issue" "suspended <$ADMIN_DN> left at home (until" \
    "active <$ADMIN_DN> found it" "lost <$ADMIN_DN> left on the train" \
    "collected <$ADMIN_DN> collected by yamada: handed in" \
    "destroyed <$ADMIN_DN> destroyed"; do
	[[ "$out" == *"$w"* ]] && ok "history: $w" || fail "history lacks \"$w\""
done
[[ "$out" == *"modifiersName            $ADMIN_DN"* ]] &&
    ok "the directory's modifiersName is the acting person" || fail "modifiersName: $out"
check "$D1" authdCardStateReason "destroyed $(date -u -d "$(date +%F)" +%Y%m%d%H%M%SZ) by yamada (shredded (cross-cut)), witness suzuki" \
    "authdCardStateReason says why"
grep -q "card_lost.*user=sato.*success.*left.x20on.x20the.x20train" "$ETC/audit.log" &&
    ok "the audit log has the loss" || fail "no card_lost record"
grep -q "card_destroyed.*refused.*two.x20different.x20people" "$ETC/audit.log" &&
    ok "the audit log has the refused destruction" || fail "no refused card_destroyed"

# --- a certificate belongs to exactly one person ---
run "$ADMIN" "${C[@]}" card register tanaka "$CARDS/card1/cert.pem"
expect 1 "already registered to sato" "a second person cannot register the same certificate"

# --- replacement: collection and destruction owed ---
run "$ADMIN" "${C[@]}" card register suzuki "$CARDS/card2/cert.pem" --serial LC-2
expect 0 "card LC-2 registered and active" "register suzuki's card"
run "$ADMIN" "${C[@]}" card replace LC-2 "$CARDS/card1/cert.pem" --serial LC-3
expect 1 "already registered to sato" "replace with a certificate of someone else: refused"
check "authdCardSerial=LC-2,uid=suzuki,$PEOPLE" authdCardState active "the refused replace left the old card active"
run "$ADMIN" "${C[@]}" card replace LC-2 "$CARDS/rsa/cert.pem" --serial LC-3 --reason "chip broken"
expect 0 "card LC-3 is now active" "card replace: the new card active"
check "authdCardSerial=LC-2,uid=suzuki,$PEOPLE" authdCardState replaced "the old card is replaced"
check "authdCardSerial=LC-2,uid=suzuki,$PEOPLE" authdCardReplacedBy LC-3 "old -> new link"
check "authdCardSerial=LC-3,uid=suzuki,$PEOPLE" authdCardReplaces LC-2 "new -> old link"
run "$ADMIN" "${C[@]}" card report
[[ "$out" == *LC-2*"not collected, not destroyed"* ]] &&
    ok "card report: the replaced card is owed" || fail "report: $out"
run "$ADMIN" "${C[@]}" card collected LC-2 --by sato
expect 0 "now collected" "the replaced card collected"
run "$ADMIN" "${C[@]}" card report
[[ "$out" == *LC-2*"collected, no destruction record"* ]] &&
    ok "card report: still owed until destroyed" || fail "report: $out"
run "$ADMIN" "${C[@]}" card destroyed LC-2 --date "$(date +%F)" --method drilled --handler sato --witness yamada
expect 0 "now destroyed" "the replaced card destroyed"
run "$ADMIN" "${C[@]}" card report
[[ "$out" != *LC-2* ]] && ok "card report: the replacement is complete" || fail "report: $out"
run "$ADMIN" "${C[@]}" card replace LC-2 "$CARDS/expired/cert.pem"
expect 1 "only an active, suspended or lost card is replaced" "a destroyed card is not replaced"

# --- one active card per person, also on activate ---
run "$ADMIN" "${C[@]}" card issue suzuki "$CARDS/expired/cert.pem" --serial LC-4
expect 0 "registered and issued" "a second card issued (not active)"
run "$ADMIN" "${C[@]}" card activate LC-4
expect 1 "suzuki already has an active card (LC-3): one active card per person" \
    "activate refused while another card is active"
run "$ADMIN" "${C[@]}" card report
[[ "$out" == *LC-4*"past its validity"* ]] && ok "card report: a card past its validity" ||
    fail "report: $out"
run "$ADMIN" "${C[@]}" card list --expired
[[ "$out" == *LC-4* && "$out" != *LC-3* ]] && ok "card list --expired" || fail "list: $out"
run "$ADMIN" "${C[@]}" card list --state replaced
[[ "$out" == "no cards" ]] && ok "card list --state" || fail "list --state: $out"
run "$ADMIN" "${C[@]}" card list --state destroyed --user suzuki
[[ "$out" == *LC-2* && "$out" != *LC-1* ]] && ok "card list --state --user" || fail "list: $out"

# --- a person never changes their own card ---
run root "${CC[@]}" card register yamada "$CARDS/other/cert.pem" --serial LC-Y
expect 0 "card LC-Y registered and active" "root registers the administrator's own card"
run "$ADMIN" "${C[@]}" card lost LC-Y --reason "mine"
expect 1 "a person never changes their own card's state" "authctl: not one's own card"
setpriv --reuid="$ADMIN" --regid="$ADMIN" --clear-groups \
    ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >"$DIR/lm" 2>&1 <<LDIF
dn: authdCardSerial=LC-Y,uid=yamada,$PEOPLE
changetype: modify
replace: authdCardState
authdCardState: active
LDIF
lm=$?
[ "$lm" -ne 0 ] && grep -qi "insufficient access" "$DIR/lm" &&
    ok "the ACL: even an administrator cannot write their own card" ||
    fail "own card written directly (exit $lm): $(cat "$DIR/lm")"
run "$CLERK" "${CC[@]}" card revoke LC-3 --reason "not mine to do"
expect 1 "the directory refused" "a person who is not a card administrator cannot revoke"
check "authdCardSerial=LC-3,uid=suzuki,$PEOPLE" authdCardState active "the card is unchanged"

# --- values from the directory reach the terminal escaped: an issuer with an
# OSC title, a reason with ESC[2J, a history line and serials with a C1 CSI
# (all written by hand, the serials by a rename) ---
D2="authdCardSerial=LC-2,uid=suzuki,$PEOPLE"
D3="authdCardSerial=LC-3,uid=suzuki,$PEOPLE"
D4="authdCardSerial=LC-4,uid=suzuki,$PEOPLE"
raw() { [[ "$out$err" == *$'\033'* || "$out$err" == *$'\007'* || "$out$err" == *$'\xc2\x9b'* ]]; }
printf 'dn: %s\nchangetype: modify\nreplace: authdCardIssuer\nauthdCardIssuer: CN=CA\033]0;pwned\007 1\n-\nreplace: authdCardStateReason\nauthdCardStateReason: chip\033[2J broken\n-\nadd: authdCardHistory\nauthdCardHistory: 20250101000000Z destroyed <root> csi\xc2\x9b6n\n\ndn: %s\nchangetype: modrdn\nnewrdn: authdCardSerial=y\xc2\x9b6n\ndeleteoldrdn: 1\n' \
    "$D2" "$D3" | ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null ||
    fail "ldapmodify of the cards LC-2 and LC-3"
run "$ADMIN" "${C[@]}" card activate LC-4
if raw; then
	fail "card activate printed a terminal escape raw"
else
	expect 1 'already has an active card (y\xc2\x9b6n)' \
	    "card activate escapes the other card's serial in its refusal"
fi
printf 'dn: %s\nchangetype: modrdn\nnewrdn: authdCardSerial=x\xc2\x9b6n\ndeleteoldrdn: 1\n' \
    "$D4" | ldapmodify -Q -Y EXTERNAL -H "$LDAPI_URI" >/dev/null ||
    fail "ldapmodify of the card LC-4"
run "$ADMIN" "${C[@]}" card list suzuki
if raw; then
	fail "card list printed a terminal escape raw"
else
	expect 0 'CN=CA\x1b]0;pwned\x07 1' "card list escapes an issuer's control characters"
	expect 0 'y\xc2\x9b6n' "card list escapes a serial's C1 control"
fi
run "$ADMIN" "${C[@]}" card show LC-2
if raw; then
	fail "card show printed a terminal escape raw"
else
	expect 0 'chip\x1b[2J broken' "card show escapes a reason's control characters"
	expect 0 'csi\xc2\x9b6n' "card show escapes a history line's C1 control"
fi
run "$ADMIN" "${C[@]}" card report
if raw; then
	fail "card report printed a terminal escape raw"
else
	expect 0 'x\xc2\x9b6n' "card report escapes a serial's C1 control"
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
