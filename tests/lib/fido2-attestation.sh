#!/bin/sh
# fido2-attestation.sh DIR AAGUID: the attestation certificates of the
# FIDO2 tests, made fresh in DIR (P-256 keys, as a security key's vendor
# would make them; WebAuthn 8.2.1 packed attestation certificate):
#   root.pem             the vendor's root, what fido2_attestation_roots lists
#   att.pem   att.key    a model's attestation certificate under it, naming
#                        AAGUID (id-fido-gen-ce-aaguid)
#   other-root.pem       another vendor's root, not listed
#   other.pem other.key  an attestation certificate under that root
#   wrong.pem wrong.key  under root.pem, but naming another AAGUID
#   vendor-int.pem       the vendor's intermediate CA, under root.pem
#   att-int.pem att-int.key  an attestation certificate under that intermediate
# AAGUID: 32 hex digits, dashes allowed.
set -eu
dir=$1
aaguid=$(printf '%s' "$2" | tr -d '-')
other=00000000000040008000000000000bad
mkdir -p "$dir"
cd "$dir"

colons() { printf '%s' "$1" | sed 's/../&:/g; s/:$//'; }

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

root() {   # root NAME CN
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -days 7300 -out "$1.pem" \
	    -subj "/C=JP/O=$2/CN=$2 FIDO Root" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

inter() {  # inter NAME ROOT CN: a CA under ROOT
	key "$1.key"
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' \
	    > "$1.ext"
	openssl req -new -key "$1.key" -out "$1.csr" \
	    -subj "/C=JP/O=Test Vendor/CN=$3" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
	    -CAcreateserial -days 7300 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

leaf() {   # leaf NAME ROOT AAGUID
	key "$1.key"
	printf 'basicConstraints=critical,CA:FALSE\n1.3.6.1.4.1.45724.1.1.4=DER:04:10:%s\n' \
	    "$(colons "$3")" > "$1.ext"
	openssl req -new -key "$1.key" -out "$1.csr" \
	    -subj "/C=JP/O=Test Vendor/OU=Authenticator Attestation/CN=$1" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
	    -CAcreateserial -days 7300 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

root root "Test Vendor"
root other-root "Other Vendor"
leaf att root "$aaguid"
leaf other other-root "$aaguid"
leaf wrong root "$other"
inter vendor-int root "Test Vendor Attestation CA"
leaf att-int vendor-int "$aaguid"
