#!/bin/bash
# card-setup.sh DIR: a test PKI and SoftHSM2 tokens standing in for IC cards,
# made fresh at test time (nothing here is ever committed).
#
#   DIR/ca/       the test CA (EC P-256): ca.pem, crl.pem (empty CRL)
#   DIR/otherca/  a second CA that authd does not trust
#   DIR/CARD/     one token each, with softhsm2.conf (point SOFTHSM2_CONF at
#                 it to "insert" that card), cert.pem and cert.der:
#       card1     alice, test CA
#       card2     bob, test CA
#       other     alice, other CA
#       expired   alice, test CA, validity entirely in the past
#       rsa       carol, test CA, RSA 2048 key
#       pinpol    erin, test CA, with the certificate policy 1.3.6.1.4.1.55555.1.7
#                 (the CA's policy for keys that need their PIN)
# Every token: user PIN 123456, SO PIN 12345678, label = the card's name,
# key generated on the token (never leaves it), certificate written back.
set -euo pipefail

dir=${1:?usage: card-setup.sh DIR}
module=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
pin=123456
so_pin=12345678
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

die() { echo "card-setup: $*" >&2; exit 1; }
[ -f "$module" ] || die "no SoftHSM2 module at $module"

# A CA with its own openssl ca config (index, serial, crlnumber for CRLs).
make_ca() {
	local ca=$1 cn=$2
	mkdir -p "$ca/newcerts"
	: > "$ca/index.txt"
	echo 1000 > "$ca/serial"
	echo 1000 > "$ca/crlnumber"
	cat > "$ca/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
x509_extensions = card_ext
[any]
commonName = supplied
organizationName = optional
[card_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[card_pin_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.3.6.1.4.1.55555.1.7
[req]
distinguished_name = dn
prompt = no
[dn]
CN = $cn
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF
	openssl ecparam -name prime256v1 -genkey -noout -out "$ca/ca.key" 2>/dev/null
	chmod 600 "$ca/ca.key"
	openssl req -new -x509 -config "$ca/ca.cnf" -extensions ca_ext \
	    -key "$ca/ca.key" -days 3650 -out "$ca/ca.pem"
	openssl ca -batch -config "$ca/ca.cnf" -gencrl -out "$ca/crl.pem" 2>/dev/null
}

# make_card NAME PERSON CA KEYTYPE [openssl ca date options...]
make_card() {
	local name=$1 person=$2 ca=$3 keytype=$4
	shift 4
	local c="$dir/$name"
	mkdir -p "$c/tokens"
	cat > "$c/softhsm2.conf" <<CONF
directories.tokendir = $c/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
	# the pkcs11 engine of openssl, used once to make the CSR on the token
	cat > "$c/engine.cnf" <<CNF
openssl_conf = oc
[oc]
engines = es
[es]
pkcs11 = p11
[p11]
engine_id = pkcs11
MODULE_PATH = $module
init = 0
CNF
	export SOFTHSM2_CONF="$c/softhsm2.conf"
	softhsm2-util --init-token --free --label "$name" --so-pin "$so_pin" \
	    --pin "$pin" >/dev/null
	pkcs11-tool --module "$module" --token-label "$name" --login --pin "$pin" \
	    --keypairgen --key-type "$keytype" --id 01 --label auth >/dev/null
	OPENSSL_CONF="$c/engine.cnf" openssl req -new -engine pkcs11 -keyform engine \
	    -key "pkcs11:token=$name;object=auth;type=private;pin-value=$pin" \
	    -subj "/O=Test Village/CN=$person" -out "$c/req.csr" 2>/dev/null ||
	    die "cannot make the CSR of $name"
	openssl ca -batch -config "$ca/ca.cnf" -notext "$@" -in "$c/req.csr" \
	    -out "$c/cert.pem" 2>/dev/null || die "cannot sign the card $name"
	openssl x509 -in "$c/cert.pem" -outform DER -out "$c/cert.der"
	pkcs11-tool --module "$module" --token-label "$name" --login --pin "$pin" \
	    --write-object "$c/cert.der" --type cert --id 01 --label auth >/dev/null
	unset SOFTHSM2_CONF
}

make_ca "$dir/ca" "Test Village Card CA"
make_ca "$dir/otherca" "Some Other CA"
make_card card1 alice "$dir/ca" EC:prime256v1
make_card card2 bob "$dir/ca" EC:prime256v1
make_card other alice "$dir/otherca" EC:prime256v1
make_card expired alice "$dir/ca" EC:prime256v1 \
    -startdate 20200101000000Z -enddate 20210101000000Z
make_card rsa carol "$dir/ca" rsa:2048
make_card pinpol erin "$dir/ca" EC:prime256v1 -extensions card_pin_ext
echo "card-setup: cards in $dir"
