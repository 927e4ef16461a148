#!/bin/bash
# tong-image's registry auth, on 127.0.0.1 only: htpasswd (bcrypt) Basic
# auth, Bearer tokens (a JWT signed with openssl, served by busybox httpd
# behind Basic auth), and the registry's `silly` mode for challenge parsing.
# The auth registries serve the storage the open one was pushed into.
FIXTURES=base
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/image-fixtures.sh"

OPEN_DATA=$REG_DATA

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# start_httpd DIR [CONF]: busybox httpd serving DIR on a free 127.0.0.1 port
# (tried until one answers); sets HTTPD_PORT and HTTPD_LOG.
start_httpd() {
  local dir=$1 conf=${2:-} port i j
  HTTPD_LOG=$dir.log
  for ((i = 0; i < 20; i++)); do
    port=$((20000 + RANDOM % 30000))
    timeout -k 5 1800 busybox httpd -f -vv -p "127.0.0.1:$port" -h "$dir" ${conf:+-c "$conf"} >"$HTTPD_LOG" 2>&1 </dev/null &
    local pid=$!
    for ((j = 0; j < 50; j++)); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
        HELPER_PIDS+=("$pid")
        HTTPD_PORT=$port
        : >"$HTTPD_LOG"
        return 0
      fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  return 1
}

# jwt REPO: a registry token for pulling REPO, signed with $FIX/tok.key.
jwt() {
  local now kid h p sig
  now=$(date +%s)
  # libtrust's key ID: base32 of the first 240 bits of sha256(DER public key), in 4s.
  kid=$(openssl pkey -in "$FIX/tok.key" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary |
    head -c 30 | base32 | sed 's/.\{4\}/&:/g; s/:$//')
  h=$(printf '{"typ":"JWT","alg":"RS256","kid":"%s"}' "$kid" | b64url)
  p=$(jq -cn --arg repo "$1" --argjson now "$now" '{iss: "tong-test-issuer", sub: "alice", aud: "tong-test",
    exp: ($now + 3600), nbf: ($now - 60), iat: ($now - 60), jti: "t1",
    access: [{type: "repository", name: $repo, actions: ["pull"]}]}' | b64url)
  sig=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$FIX/tok.key" -binary | b64url)
  printf '%s.%s.%s' "$h" "$p" "$sig"
}

setup_auth() {
  htpasswd -Bbn alice s3cret >"$FIX/htpasswd" || return 1
  start_registry basic "auth:
  htpasswd:
    realm: tong-test
    path: $FIX/htpasswd" "$OPEN_DATA" || return 1
  BASIC=127.0.0.1:$REG_PORT

  # The token server: Basic auth (alice) in front of two static tokens.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$FIX/tok.key" -out "$FIX/tok.crt" \
    -days 2 -subj /CN=tong-test-issuer >/dev/null 2>&1 || return 1
  mkdir -p "$FIX/www"
  printf '{"token":"%s","expires_in":600}' "$(jwt test/busybox)" >"$FIX/www/token"
  printf '{"access_token":"%s","expires_in":600}' "$(jwt other/thing)" >"$FIX/www/wrong"
  printf '{"token":"silly-token"}' >"$FIX/www/silly"
  printf '/token:alice:s3cret\n/wrong:alice:s3cret\n' >"$FIX/httpd.conf"
  start_httpd "$FIX/www" "$FIX/httpd.conf" || return 1
  TOKEN_LOG=$HTTPD_LOG
  local realm=http://127.0.0.1:$HTTPD_PORT
  start_registry token "auth:
  token:
    realm: $realm/token
    service: tong-test
    issuer: tong-test-issuer
    rootcertbundle: $FIX/tok.crt" "$OPEN_DATA" || return 1
  TOKEN=127.0.0.1:$REG_PORT
  start_registry wrong "auth:
  token:
    realm: $realm/wrong
    service: tong-test
    issuer: tong-test-issuer
    rootcertbundle: $FIX/tok.crt" "$OPEN_DATA" || return 1
  WRONG=127.0.0.1:$REG_PORT
  start_registry silly "auth:
  silly:
    realm: $realm/silly
    service: tong-test" "$OPEN_DATA" || return 1
  SILLY=127.0.0.1:$REG_PORT
  SILLY_LOG=$REG_LOG

  # HTTPS: a certificate for 127.0.0.1 that only SSL_CERT_FILE makes trusted.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$FIX/tls.key" -out "$FIX/tls.crt" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 || return 1
  start_registry tls "  tls:
    certificate: $FIX/tls.crt
    key: $FIX/tls.key" "$OPEN_DATA" || return 1
  TLS=127.0.0.1:$REG_PORT
}
if ! setup_auth >"$FIX/auth.log" 2>&1; then
  echo "not ok $AREA: set up the auth registries: $(tail -c 400 "$FIX/auth.log" | tr '\n' ' ')"
  exit 1
fi

test_basic() {
  local s=$T/store a=$T/auth.json
  sh_run "$IMG" --root "$s" pull --authfile "$a" "$BASIC/test/busybox:v1"
  assert_exit "without credentials: exit 1" 1
  assert_contains "it says UNAUTHORIZED" "$ERR" "UNAUTHORIZED"
  assert_eq "nothing recorded" "$(jq '.manifests | length' "$s/index.json")" 0
  echo wrong >"$T/pw"
  sh_run sh -c "'$IMG' login --authfile '$a' -u alice --password-stdin '$BASIC' <'$T/pw'"
  assert_fails "login with a wrong password fails"
  assert_false "and writes no auth file" test -e "$a"
  echo s3cret >"$T/pw"
  sh_run sh -c "'$IMG' login --authfile '$a' -u alice --password-stdin '$BASIC' <'$T/pw'"
  assert_ok "login"
  assert_eq "Login Succeeded" "$OUT" "Login Succeeded"
  assert_eq "auth.json holds user:password" "$(jq -r --arg h "$BASIC" '.auths[$h].auth' "$a" | base64 -d)" "alice:s3cret"
  assert_eq "auth.json is private" "$(stat -c %a "$a")" 600
  sh_run "$IMG" --root "$s" pull --authfile "$a" "$BASIC/test/busybox:v1"
  assert_ok "pull with the credentials"
  assert_contains "the digest" "$OUT" "Digest: $BASE_DIGEST"
  # The containers' environment variable names the file too.
  sh_run env REGISTRY_AUTH_FILE="$a" "$IMG" --root "$T/store2" pull -q "$BASIC/test/busybox:v1"
  assert_eq "REGISTRY_AUTH_FILE" "$OUT" "$BASE_DIGEST"
  sh_run "$IMG" logout --authfile "$a" "$BASIC"
  assert_ok "logout"
  assert_eq "the entry is gone" "$(jq --arg h "$BASIC" '.auths | has($h)' "$a")" false
  sh_run "$IMG" --root "$T/store3" pull --authfile "$a" "$BASIC/test/busybox:v1"
  assert_fails "pull after logout fails"
  sh_run "$IMG" logout --authfile "$a" "$BASIC"
  assert_fails "logout twice fails"
}

test_token() {
  local s=$T/store a=$T/auth.json
  jq -n --arg h "$TOKEN" --arg w "$WRONG" --arg v "$(printf alice:s3cret | base64)" \
    '{auths: {($h): {auth: $v}, ($w): {auth: $v}}}' >"$a"
  : >"$TOKEN_LOG"
  sh_run "$IMG" --root "$s" pull --authfile "$a" "$TOKEN/test/busybox:v1"
  assert_ok "pull with a Bearer token" || return
  assert_contains "the digest" "$OUT" "Digest: $BASE_DIGEST"
  assert_eq "one token fetched, then cached" "$(grep -c 'url:/token' "$TOKEN_LOG")" 1
  assert_eq "the token server let alice in" "$(grep -c 'response:200' "$TOKEN_LOG")" 1
  sh_run "$IMG" --root "$s" unpack "$TOKEN/test/busybox:v1" "$B"
  assert_ok "and it unpacks"
  # No credentials: the token server refuses.
  echo '{"auths":{}}' >"$T/none.json"
  sh_run "$IMG" --root "$T/s2" pull --authfile "$T/none.json" "$TOKEN/test/busybox:v1"
  assert_fails "no credentials for the token server: fails"
  assert_contains "it names the token step" "$ERR" "token"
  # A token for another repository: the registry refuses it.
  sh_run "$IMG" --root "$T/s3" pull --authfile "$a" "$WRONG/test/busybox:v1"
  assert_fails "a token without this repository's scope: fails"
  assert_match "UNAUTHORIZED or DENIED" "$ERR" "UNAUTHORIZED|DENIED"
  assert_eq "nothing recorded" "$(jq '.manifests | length' "$T/s3/index.json")" 0
}

test_silly() {
  local s=$T/store
  sh_run "$IMG" --root "$s" pull "$SILLY/test/busybox:v1"
  assert_ok "pull through the silly challenge"
  assert_contains "the digest" "$OUT" "Digest: $BASE_DIGEST"
  assert_true "the realm was asked for a token" grep -q 'url:/silly' "$TOKEN_LOG"
}

test_tls() {
  local s=$T/store
  sh_run env SSL_CERT_FILE="$FIX/tls.crt" "$IMG" --root "$s" pull "$TLS/test/busybox:v1"
  assert_ok "pull over HTTPS with the CA from SSL_CERT_FILE"
  assert_contains "the digest" "$OUT" "Digest: $BASE_DIGEST"
  sh_run env SSL_CERT_FILE=/nonexistent "$IMG" --root "$T/s2" pull "$TLS/test/busybox:v1"
  assert_fails "an untrusted certificate fails"
  assert_contains "it says HTTPS failed" "$ERR" "HTTPS failed"
  assert_eq "nothing recorded" "$(jq '.manifests | length' "$T/s2/index.json")" 0
}

run_test tls test_tls
run_test basic test_basic
run_test token test_token
run_test silly test_silly
