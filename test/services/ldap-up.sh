#!/usr/bin/env bash
# Throwaway OpenLDAP (slapd 2.5, Debian 12) on 127.0.0.1:$LDAP_PORT (ldaps on $LDAPS_PORT, StartTLS on
# both) with its own cn=config under $LDAP_DIR. `--keep` restarts a stopped instance on its data.
set -euo pipefail
LDAP_DIR=${LDAP_DIR:-/tmp/ldaptest}
LDAP_PORT=${LDAP_PORT:-3890}
LDAPS_PORT=${LDAPS_PORT:-3891}
SUFFIX=${SUFFIX:-dc=example,dc=com}
ADMIN_PW_HASH='{SSHA}5p8ls1F57JfXiXVu84G//xbnv8kpbc4r'   # admin-secret (slappasswd -h '{SSHA}' -s admin-secret)

command -v slapd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils >/dev/null; }

. "$(dirname "$0")/stop-pid.sh"
refuse_running "$LDAP_DIR/run/slapd.pid" ldap

# every listener answers: plain TCP, StartTLS and ldaps:// (checked against our CA), ldapi:// (unix socket)
answers() {
  local q=(-x -b "$SUFFIX" -s base '(objectClass=*)' dn)
  ldapsearch "${q[@]}" -H "ldap://127.0.0.1:$LDAP_PORT" >/dev/null 2>&1 &&
    LDAPTLS_CACERT="$LDAP_DIR/tls/ca.pem" ldapsearch "${q[@]}" -ZZ -H "ldap://127.0.0.1:$LDAP_PORT" >/dev/null 2>&1 &&
    LDAPTLS_CACERT="$LDAP_DIR/tls/ca.pem" ldapsearch "${q[@]}" -H "ldaps://127.0.0.1:$LDAPS_PORT" >/dev/null 2>&1 &&
    ldapsearch "${q[@]}" -H "$LDAPI" >/dev/null 2>&1
}

start_slapd() {
  LDAPI="ldapi://$(printf %s "$LDAP_DIR/run/ldapi" | sed 's|/|%2F|g')"
  slapd -F "$LDAP_DIR/slapd.d" -h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/ $LDAPI" -l LOCAL4 2>"$LDAP_DIR/slapd.stderr" || { cat "$LDAP_DIR/slapd.stderr"; exit 1; }
  for i in $(seq 1 300); do
    if answers; then
      echo "slapd up on ldap://127.0.0.1:$LDAP_PORT, ldaps://localhost:$LDAPS_PORT (pid $(cat "$LDAP_DIR/run/slapd.pid")) after $i tries"; return 0; fi
    # slapd exits at once when a port is taken: no point waiting then
    [ -f "$LDAP_DIR/run/slapd.pid" ] && ! kill -0 "$(cat "$LDAP_DIR/run/slapd.pid")" 2>/dev/null && break
    sleep 0.1
  done
  echo "slapd did not come up" >&2; cat "$LDAP_DIR/slapd.stderr" >&2; exit 1
}

if [ "${1:-}" = "--keep" ] && [ -d "$LDAP_DIR/slapd.d" ]; then die_with_run ldap LDAP_DIR "$LDAP_DIR"; start_slapd; exit 0; fi

rm -rf "$LDAP_DIR"; mkdir -p "$LDAP_DIR"/{slapd.d,data,run,tls}
die_with_run ldap LDAP_DIR "$LDAP_DIR"

# a throwaway CA and a server certificate for 127.0.0.1 / localhost (ldaps:// and StartTLS)
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=services-core test CA" \
  -keyout "$LDAP_DIR/tls/ca.key" -out "$LDAP_DIR/tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$LDAP_DIR/tls/server.key" -out "$LDAP_DIR/tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$LDAP_DIR/tls/san.ext"
openssl x509 -req -in "$LDAP_DIR/tls/server.csr" -CA "$LDAP_DIR/tls/ca.pem" -CAkey "$LDAP_DIR/tls/ca.key" -CAcreateserial \
  -days 2 -extfile "$LDAP_DIR/tls/san.ext" -out "$LDAP_DIR/tls/server.pem" 2>/dev/null

# hashes written by slapd's own tool: {SSHA256} needs pw-sha2
ERIN_PW_HASH=$(slappasswd -o module-load=pw-sha2 -h '{SSHA256}' -s erin-secret)
WEIRD_PW_HASH=$(slappasswd -h '{SSHA}' -s weird-secret)
READER_PW_HASH=$(slappasswd -h '{SSHA}' -s reader-secret)

cat > "$LDAP_DIR/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $LDAP_DIR/run/slapd.pid
olcArgsFile: $LDAP_DIR/run/slapd.args
olcLogLevel: stats
olcTLSCACertificateFile: $LDAP_DIR/tls/ca.pem
olcTLSCertificateFile: $LDAP_DIR/tls/server.pem
olcTLSCertificateKeyFile: $LDAP_DIR/tls/server.key

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: pw-sha2

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

# the attributes of the Python services' directory (docs/compatibility.md D.7); OIDs under the RFC 5612
# documentation arc
dn: cn=services-core,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: services-core
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.1 NAME 'account-enabled' DESC 'Yes when the account may log in' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.2 NAME 'primaryNode' DESC 'service:node assignments' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.3 NAME 'mail-verified' DESC 'e-mail verification token' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.32473.1.2.1 NAME 'dataStore' DESC 'a services-core account' SUP top AUXILIARY MAY ( uidNumber $ account-enabled $ primaryNode $ mail-verified ) )

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcPasswordHash: {SSHA}

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcRootDN: cn=admin,$SUFFIX
olcRootPW: $ADMIN_PW_HASH
olcDbDirectory: $LDAP_DIR/data
olcDbMaxSize: 104857600
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbIndex: uidNumber eq
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to attrs=mail by self write by users read by anonymous read
olcAccess: {2}to * by users read by anonymous read
EOF

cat > "$LDAP_DIR/data.ldif" <<EOF
dn: $SUFFIX
objectClass: top
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=users,$SUFFIX
objectClass: organizationalUnit
ou: users

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=users,$SUFFIX
objectClass: inetOrgPerson
uid: alice
cn: Alice Example
sn: Example
mail: alice@example.com
userPassword: {SSHA}rK7HKZ5wJnBaftn7Inae/JzwyWlOxoZE

dn: uid=bob,ou=users,$SUFFIX
objectClass: inetOrgPerson
uid: bob
cn: Bob Example
sn: Example
userPassword: {SSHA256}WnILt7Xl8fYk7sp4r5jxEBDY4VTdfHTIpJz2ZSxDEi+n/XCu04UZ9Q==

dn: cn=reader,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: $READER_PW_HASH

# carol and dave get their passwords from slapd itself (ldappasswd, below)
dn: uidNumber=1001,ou=users,$SUFFIX
objectClass: inetOrgPerson
objectClass: dataStore
uid: carol
cn: carol
sn: carol
uidNumber: 1001
mail: carol@example.com
account-enabled: Yes
primaryNode: weave:

dn: uidNumber=1002,ou=users,$SUFFIX
objectClass: inetOrgPerson
objectClass: dataStore
uid: dave
cn: dave
sn: dave
uidNumber: 1002
account-enabled: No

dn: uidNumber=1003,ou=users,$SUFFIX
objectClass: inetOrgPerson
objectClass: dataStore
uid: erin
cn: erin
sn: erin
uidNumber: 1003
mail: erin@example.com
account-enabled: Yes
userPassword: $ERIN_PW_HASH

# filter metacharacters in a name, for the injection tests
dn: cn=weird,ou=users,$SUFFIX
objectClass: inetOrgPerson
uid: we*ird(x)\z
cn: weird
sn: weird
userPassword: $WEIRD_PW_HASH

dn: cn=admins,ou=groups,$SUFFIX
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=users,$SUFFIX
EOF

# offline load: config DB (-n0) then data DB (-n1); no server needed, fast
slapadd -q -n0 -F "$LDAP_DIR/slapd.d" -l "$LDAP_DIR/config.ldif"
slapadd -q -n1 -F "$LDAP_DIR/slapd.d" -l "$LDAP_DIR/data.ldif"

# runs as root here (CI is root); to drop privileges add: -u openldap -g openldap (after chown -R openldap:openldap "$LDAP_DIR")
start_slapd
for who in "uidNumber=1001 carol-secret" "uidNumber=1002 dave-secret"; do
  set -- $who
  ldappasswd -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "cn=admin,$SUFFIX" -w admin-secret -s "$2" "$1,ou=users,$SUFFIX" >/dev/null
done
