package gateway

import "strconv"

// StartScript is the gateway's start, run by the unit as the service user
// with its settings in the environment (EnvFile), its secrets in
// $CREDENTIALS_DIRECTORY and its state in $STATE_DIRECTORY:
//
//  1. a token for the KMS: on OpenBao, the periodic token kept in the state
//     directory, or at the first start the one the single-use wrapping token
//     unwraps to (sys/wrapping/unwrap); a refused wrapping token (used or
//     expired) fails with ExitIntercepted and says the credential may have
//     been intercepted. On OKMS, a bearer token from the OAuth2 client
//     credentials grant.
//  2. the wrapped data key from the bucket (WRAPPED_KEY); if absent, a new
//     one from the KMS (OpenBao transit datakey/wrapped, OKMS datakey),
//     stored with If-None-Match: * so that two starts never make two, and
//     read back if another start stored one first.
//  3. the data key, unwrapped by the KMS (transit decrypt, OKMS
//     datakey/decrypt), checked to be 256 bits;
//  4. exec rclone serve s3 with the data key in its environment
//     (RCLONE_S3_SSE_CUSTOMER_KEY_BASE64) and --s3-sse-customer-algorithm
//     AES256: every object goes to the bucket under SSE-C.
//
// With "renew", it renews the OpenBao token (auth/token/renew-self) and
// exits.
//
// Secrets never go on a command line, where other users could read them:
// curl takes them from its configuration on standard input (printf is a
// shell builtin), and answers holding the data key stay in shell variables
// and pipes (no here-strings, which bash may back with a temporary file).
// Nothing prints a secret; rclone runs at log level INFO, since at DEBUG it
// logs the values it takes from the environment.
//
// Real-API behaviour assumed and unverified against the live services:
// OKMS's data plane taking an OAuth2 bearer token (the emulator does),
// OUTSCALE OOS and OVHcloud honouring If-None-Match: * on PutObject, rclone
// reading --auth-key from RCLONE_AUTH_KEY (its flags take their defaults
// from RCLONE_<FLAG>), rclone's filters hiding the wrapped keys (and, with
// prefixes, everything outside them) from the S3 clients of `serve s3`, and
// `serve s3` honouring the VFS's --read-only.
func StartScript() string {
	return `#!/bin/bash
# Starts the warehouse data gateway: the data key from the KMS, then rclone serve s3.
# Written at first boot by terraform-provider-health; run by health-gateway.service.
set -euo pipefail
umask 077
creds=${CREDENTIALS_DIRECTORY:?the unit hands the credentials (LoadCredential=)}
state=${STATE_DIRECTORY:?the unit gives the state directory (StateDirectory=)}
token_file="$state/openbao-token"

fail() {
  echo "health-gateway: $*" >&2
  exit 1
}

# call METHOD URL CONFIG [curl options...]: prints the answer's body, then its
# HTTP status on a line of its own. CONFIG is curl configuration (credentials)
# given on standard input, never on the command line.
call() {
  local method=$1 url=$2 config=$3
  shift 3
  printf '%s\n' "$config" |
    curl --config - --silent --show-error --proto '=https' --tlsv1.2 \
      --connect-timeout 10 --max-time 60 --request "$method" \
      --write-out '\n%{http_code}' "$@" "$url"
}
unreachable() {
  fail "cannot reach $1 at $2: does the network's egress_allow let the data tier reach it?"
}
status_of() { printf '%s' "${1##*$'\n'}"; }
body_of() { printf '%s' "${1%$'\n'*}"; }
# errors_of BODY: the KMS's or the store's error, for messages (never a secret).
errors_of() {
  printf '%s' "$1" | jq -rc '(.errors // [.error_description // .error // .message // empty]) | join("; ")' 2>/dev/null |
    head -c 300 || printf '%s' "$1" | head -c 300
}

# --- the object store (path style, AWS Signature V4) ------------------------
s3() {
  local method=$1 key=$2
  shift 2
  local secret
  secret=$(<"$creds/backend-secret")
  call "$method" "$S3_ENDPOINT/$BUCKET/$key" "user = \"$S3_ACCESS_KEY_ID:$secret\"" \
    --retry 5 --retry-connrefused --retry-delay 3 --aws-sigv4 "aws:amz:$S3_REGION:s3" "$@"
}
sha256_of() {
  local sum
  sum=$(printf '%s' "$1" | sha256sum)
  printf '%s' "${sum%% *}"
}
get_wrapped() {
  local resp
  resp=$(s3 GET "$WRAPPED_KEY" -H "x-amz-content-sha256: $(sha256_of '')") || unreachable "the object store" "$S3_ENDPOINT"
  case $(status_of "$resp") in
    200) body_of "$resp" ;;
    404) return 0 ;;
    *) fail "cannot read s3://$BUCKET/$WRAPPED_KEY (HTTP $(status_of "$resp")): $(errors_of "$(body_of "$resp")")" ;;
  esac
}
# put_wrapped WRAPPED: 0 when stored, 1 when another start stored one first.
put_wrapped() {
  local resp
  resp=$(s3 PUT "$WRAPPED_KEY" -H 'If-None-Match: *' -H 'Content-Type: text/plain' \
    -H "x-amz-content-sha256: $(sha256_of "$1")" --data-binary "$1") || unreachable "the object store" "$S3_ENDPOINT"
  case $(status_of "$resp") in
    200) return 0 ;;
    409 | 412) return 1 ;;
    *) fail "cannot store s3://$BUCKET/$WRAPPED_KEY (HTTP $(status_of "$resp")): $(errors_of "$(body_of "$resp")")" ;;
  esac
}

# --- OpenBao (OUTSCALE) -----------------------------------------------------
bao() {
  local method=$1 path=$2 token=$3
  shift 3
  call "$method" "$BAO_ADDR/v1/$path" "header = \"X-Vault-Token: $token\"" --cacert "$BAO_CACERT" "$@"
}
bao_token() {
  local resp token
  if [ -s "$token_file" ]; then
    token=$(<"$token_file")
    resp=$(bao POST auth/token/renew-self "$token" --retry 5 --retry-connrefused --retry-delay 3 \
      -H 'Content-Type: application/json' --data '{}') || unreachable OpenBao "$BAO_ADDR"
    if [ "$(status_of "$resp")" != 200 ]; then
      fail "OpenBao refused the gateway's token (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")")): it expired or was revoked. Issue a new key credential: replace the gateway."
    fi
    printf '%s' "$token"
    return
  fi
  # First start: the single-use wrapping token, never retried (a retry after
  # a lost answer would find it used).
  local wrapping
  wrapping=$(<"$creds/wrapping-token")
  resp=$(bao POST sys/wrapping/unwrap "$wrapping") || unreachable OpenBao "$BAO_ADDR"
  if [ "$(status_of "$resp")" != 200 ]; then
    echo "health-gateway: OpenBao refused the gateway's wrapping token (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")"))." >&2
    echo "health-gateway: it was used or it expired before this machine could unwrap it: the credential may have been intercepted." >&2
    echo "health-gateway: do not trust this key credential: revoke it, read OpenBao's audit log for who unwrapped it (sys/wrapping/unwrap), and replace the gateway." >&2
    exit ` + strconv.Itoa(ExitIntercepted) + `
  fi
  token=$(body_of "$resp" | jq -er '.auth.client_token') || fail "OpenBao's unwrap answered no token"
  printf '%s' "$token" >"$token_file.new"
  mv -f "$token_file.new" "$token_file"
  printf '%s' "$token"
}
openbao_datakey() {
  local resp
  resp=$(bao POST "$BAO_MOUNT/datakey/wrapped/$BAO_KEY" "$1" -H 'Content-Type: application/json' --data '{"bits":256}') || unreachable OpenBao "$BAO_ADDR"
  [ "$(status_of "$resp")" = 200 ] ||
    fail "OpenBao made no data key under $BAO_MOUNT/$BAO_KEY (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")"))"
  body_of "$resp" | jq -er '.data.ciphertext'
}
openbao_unwrap() {
  local resp body
  body=$(jq -nc --arg c "$2" '{ciphertext: $c}')
  resp=$(bao POST "$BAO_MOUNT/decrypt/$BAO_KEY" "$1" -H 'Content-Type: application/json' --data "$body") || unreachable OpenBao "$BAO_ADDR"
  [ "$(status_of "$resp")" = 200 ] ||
    fail "OpenBao cannot unwrap s3://$BUCKET/$WRAPPED_KEY with $BAO_MOUNT/$BAO_KEY (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")")): a destroyed key leaves the data unreadable"
  body_of "$resp" | jq -er '.data.plaintext'
}

# --- OKMS (OVHcloud) --------------------------------------------------------
okms_token() {
  local resp secret
  secret=$(<"$creds/okms-client-secret")
  resp=$(call POST "$OKMS_TOKEN_URL" "user = \"$OKMS_CLIENT_ID:$secret\"" --retry 5 --retry-connrefused --retry-delay 3 \
    --data 'grant_type=client_credentials&scope=all') || unreachable "the OAuth2 server" "$OKMS_TOKEN_URL"
  [ "$(status_of "$resp")" = 200 ] ||
    fail "the OAuth2 server refused the gateway's service account $OKMS_CLIENT_ID (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")"))"
  body_of "$resp" | jq -er '.access_token'
}
okms() {
  local path=$1 token=$2 body=$3
  call POST "$OKMS_ENDPOINT/api/$OKMS_ID/v1/servicekey/$OKMS_KEY_ID/$path" "header = \"Authorization: Bearer $token\"" \
    -H 'Content-Type: application/json' --data "$body"
}
okms_datakey() {
  local resp
  resp=$(okms datakey "$1" "$(jq -nc --arg n "$GATEWAY_NAME" '{name: $n, size: 256}')") || unreachable OKMS "$OKMS_ENDPOINT"
  [ "$(status_of "$resp")" = 201 ] ||
    fail "OKMS made no data key under the service key $OKMS_KEY_ID (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")"))"
  # The answer holds the plaintext too: only the wrapped key leaves here.
  body_of "$resp" | jq -er '.key'
}
okms_unwrap() {
  local resp
  resp=$(okms datakey/decrypt "$1" "$(jq -nc --arg k "$2" '{key: $k}')") || unreachable OKMS "$OKMS_ENDPOINT"
  [ "$(status_of "$resp")" = 200 ] ||
    fail "OKMS cannot unwrap s3://$BUCKET/$WRAPPED_KEY with the service key $OKMS_KEY_ID (HTTP $(status_of "$resp"): $(errors_of "$(body_of "$resp")")): a destroyed key leaves the data unreadable"
  body_of "$resp" | jq -er '.plaintext'
}

case ${1:-serve} in
  renew)
    [ "$KMS" = openbao ] || exit 0
    [ -s "$token_file" ] || fail "no OpenBao token to renew yet: the gateway has not started once"
    bao_token >/dev/null
    echo "health-gateway: OpenBao token renewed"
    exit 0
    ;;
  serve) ;;
  *) fail "usage: $0 [serve|renew]" ;;
esac

case $KMS in
  openbao) token=$(bao_token) ;;
  okms) token=$(okms_token) ;;
  *) fail "KMS=$KMS is neither openbao nor okms" ;;
esac

origin="kept in the bucket"
wrapped=$(get_wrapped)
if [ -z "$wrapped" ] && [ "${GATEWAY_READ_ONLY:-no}" = yes ]; then
  fail "no data key at s3://$BUCKET/$WRAPPED_KEY: a read-only gateway uses the key of the gateway that writes the bucket, made at that gateway's first start"
fi
if [ -z "$wrapped" ]; then
  wrapped=$("${KMS}_datakey" "$token")
  [ -n "$wrapped" ] || fail "the KMS answered an empty wrapped key"
  if put_wrapped "$wrapped"; then
    origin="made now"
  else
    origin="made by another start"
    wrapped=$(get_wrapped)
    [ -n "$wrapped" ] || fail "s3://$BUCKET/$WRAPPED_KEY was stored by another start but cannot be read back"
  fi
fi

data_key=$("${KMS}_unwrap" "$token" "$wrapped")
bytes=$(printf '%s' "$data_key" | base64 -d 2>/dev/null | wc -c) || bytes=0
[ "$bytes" -eq 32 ] || fail "the KMS unwrapped s3://$BUCKET/$WRAPPED_KEY to ${bytes} bytes, not a 256-bit key"
echo "health-gateway: data key s3://$BUCKET/$WRAPPED_KEY (${origin}) unwrapped by the KMS ($KMS); starting rclone serve s3 on port $GATEWAY_PORT"

# rclone's remotes: "backend", the bucket's store; "gateway", the one bucket
# under its own name, so that clients see the bucket and nothing else.
export RCLONE_CONFIG_BACKEND_TYPE=s3 RCLONE_CONFIG_BACKEND_PROVIDER=Other
export RCLONE_CONFIG_BACKEND_ENDPOINT="$S3_ENDPOINT" RCLONE_CONFIG_BACKEND_REGION="$S3_REGION"
export RCLONE_CONFIG_BACKEND_FORCE_PATH_STYLE=true RCLONE_CONFIG_BACKEND_NO_CHECK_BUCKET=true
export RCLONE_CONFIG_BACKEND_ACCESS_KEY_ID="$S3_ACCESS_KEY_ID"
RCLONE_CONFIG_BACKEND_SECRET_ACCESS_KEY=$(<"$creds/backend-secret")
export RCLONE_CONFIG_BACKEND_SECRET_ACCESS_KEY
export RCLONE_CONFIG_GATEWAY_TYPE=combine RCLONE_CONFIG_GATEWAY_UPSTREAMS="$BUCKET=backend:$BUCKET"
RCLONE_AUTH_KEY=$(<"$creds/client-auth-key")
export RCLONE_AUTH_KEY
export RCLONE_S3_SSE_CUSTOMER_KEY_BASE64="$data_key"
unset data_key token
# What clients see: never the wrapped keys; with GATEWAY_PREFIXES, the
# objects under those prefixes and nothing else; with GATEWAY_READ_ONLY, no
# write.
served=(--filter "- /$BUCKET/${WRAPPED_KEY%/*}/**")
if [ -n "${GATEWAY_PREFIXES:-}" ]; then
  IFS=, read -r -a prefixes <<<"$GATEWAY_PREFIXES"
  for p in "${prefixes[@]}"; do
    served+=(--filter "+ /$BUCKET/$p**")
  done
  served+=(--filter "- **")
fi
if [ "${GATEWAY_READ_ONLY:-no}" = yes ]; then
  served+=(--read-only)
fi
exec rclone serve s3 gateway: \
  --addr ":$GATEWAY_PORT" --cert "$GATEWAY_TLS_CERT" --key "$creds/tls-key" --min-tls-version tls1.2 \
  --s3-sse-customer-algorithm AES256 \
  "${served[@]}" \
  --vfs-cache-mode off --log-level INFO
`
}
