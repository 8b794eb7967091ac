#!/bin/bash
# kubectl-tls: HTTPS with a bearer token and with a client certificate. The
# kubeconfig rollouts-sim writes works with kubectl; a wrong token or a
# kubeconfig without the client certificate gets 401; the request log never
# holds the token.
. "$(dirname "$0")/lib.sh"
need_kubectl
TOKEN=e2e-s3cret-Token-4f9a

# ------------------------------------------------------------ --token
start_sim --tls --token "$TOKEN" --fixtures "$FIXTURES/main"
expect_eq "$(stat -c %a "$KUBECONFIG_FILE")" "600" "the kubeconfig is mode 0600"
expect_contains "$(kc_field server)" "https://127.0.0.1:$PORT" "the kubeconfig names the https URL"
expect_eq "$(kc_field token)" "$TOKEN" "the kubeconfig holds the token"
expect_contains "$(cat "$SIM_DIR/ca.crt")" "BEGIN CERTIFICATE" "the kubeconfig holds the CA"

expect_kc 0 "kubectl with the written kubeconfig (token)" get rollouts -n demo
expect_eq "$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "api web worker " \
	"kubectl lists the rollouts over https with the token"
expect_kc 0 "kubectl get -o json over https" get ro web -n demo -o jsonpath='{.metadata.uid}'
expect_eq "$KC_OUT" "5d1f0c2e-1111-4000-8000-000000000001" "get over https returns the object"

expect_kc 1 "kubectl with --token wrong" --token wrong get rollouts -n demo
expect_contains "$KC_ERR" "error: You must be logged in to the server" "a wrong token: You must be logged in"

# curl: the same checks by hand
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts
expect_eq "$CODE" "200" "curl with the token: 200"
req GET /version
expect_eq "$CODE" "200" "/version needs the token too (with it: 200)"
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$SIM_DIR/ca.crt")
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts
expect_eq "$CODE" "401" "curl without a token: 401"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["status"], d["reason"], d["message"], d["code"]]')" \
	'["Status","Failure","Unauthorized","Unauthorized",401]' "the 401 is an Unauthorized Status"
req GET /sim/v1/faults
expect_eq "$CODE" "401" "the admin endpoint needs the token too"
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts -H "Authorization: Bearer wrong"
expect_eq "$CODE" "401" "curl with a wrong token: 401"
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts -H "Authorization: Bearer ${TOKEN}x"
expect_eq "$CODE" "401" "curl with the token plus a character: 401"
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts -H "Authorization: Basic $(printf 'a:%s' "$TOKEN" | base64)"
expect_eq "$CODE" "401" "curl with basic auth: 401"
# the certificate names localhost too
curl "${CURL_SAFE[@]}" -sS -o /dev/null -w '%{http_code}' --cacert "$SIM_DIR/ca.crt" \
	-H "Authorization: Bearer $TOKEN" "https://localhost:$PORT/version" >"$WORK/code" 2>"$WORK/err"
expect_eq "$(cat "$WORK/code")" "200" "the server certificate is valid for localhost"
# plain http on the https port does not work
curl "${CURL_SAFE[@]}" -sS -o /dev/null -m 10 "http://127.0.0.1:$PORT/version" 2>/dev/null
rc=$?
expect_ne "$rc" "0" "plain http is not served on the TLS port"
# (curl's exit 60: the peer certificate cannot be verified; any other
# failure, a refused connection say, is not what is tested here)
curl "${CURL_SAFE[@]}" -sS -o /dev/null -m 10 "https://127.0.0.1:$PORT/version" 2>/dev/null
expect_eq "$?" 60 "the server certificate is not trusted without the CA (curl exit 60)"

expect_true "the request log has the requests" test -s "$REQLOG"
expect_eq "$(grep -cF "$TOKEN" "$REQLOG")" "0" "the request log never holds the token"
expect_eq "$(grep -ci "bearer" "$REQLOG")" "0" "the request log holds no Authorization header"
stop_sim

# ------------------------------------------------------- --client-cert
start_sim --tls --client-cert --fixtures "$FIXTURES/main"
expect_contains "$(cat "$KUBECONFIG_FILE")" "client-certificate-data:" "the kubeconfig holds the client certificate"
expect_contains "$(cat "$KUBECONFIG_FILE")" "client-key-data:" "the kubeconfig holds the client key"
expect_kc 0 "kubectl with the written kubeconfig (client certificate)" get rollouts -n staging
expect_eq "$(printf '%s\n' "$KC_OUT" | awk 'NR > 1 {print $1}' | tr '\n' ' ')" "checkout web " \
	"kubectl lists the rollouts with the client certificate"
if command -v openssl >/dev/null 2>&1; then
	subj=$(openssl x509 -noout -subject -nameopt RFC2253 -in "$SIM_DIR/client.crt" 2>&1)
	expect_contains "$subj" "CN=rollouts-sim-admin" "the client certificate's CN is rollouts-sim-admin"
	expect_contains "$subj" "O=system:masters" "the client certificate's O is system:masters"
fi

full_kc=$KUBECONFIG_FILE
KUBECONFIG_FILE=$SIM_DIR/kubeconfig-nocert
sed -e '/client-certificate-data:/d' -e '/client-key-data:/d' -e 's/^  user:$/  user: {}/' \
	"$full_kc" >"$KUBECONFIG_FILE"
expect_not_contains "$(cat "$KUBECONFIG_FILE")" "client-key-data" "the stripped kubeconfig has no client key"
# Without any credential kubectl does not even ask the server (it prompts
# for a user name on stdin, which is empty here); with a user name and
# password (a credential the server does not take) the server answers 401.
expect_kc 1 "kubectl with the kubeconfig stripped of the client certificate" get rollouts -n staging
expect_kc 1 "kubectl without the client certificate, with a user name" \
	--username nobody --password nothing get rollouts -n staging
expect_contains "$KC_ERR" "error: You must be logged in to the server" "no client certificate: You must be logged in"
KUBECONFIG_FILE=$full_kc

req GET /api/v1/namespaces/staging/pods
expect_eq "$CODE" "200" "curl with the client certificate: 200"
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$SIM_DIR/ca.crt")
req GET /api/v1/namespaces/staging/pods
expect_eq "$CODE" "401" "curl without the client certificate: 401"
expect_eq "$(printf '%s' "$BODY" | jval 'd["reason"]')" "Unauthorized" "the 401 is an Unauthorized Status"
req GET /api/v1/namespaces/staging/pods -H "Authorization: Bearer anything"
expect_eq "$CODE" "401" "a token is no substitute when only the client certificate is configured"
cp "$SIM_DIR/client.crt" "$WORK/other-client.crt"
cp "$SIM_DIR/client.key" "$WORK/other-client.key"
stop_sim

# ------------------------------------------- --token and --client-cert
start_sim --tls --token "$TOKEN" --client-cert
CA=$SIM_DIR/ca.crt
# a client certificate issued by another server's CA is refused
KUBECONFIG_FILE=$SIM_DIR/kubeconfig-foreign
sed -e '/client-certificate-data:/d' -e '/client-key-data:/d' -e '/token:/d' \
	-e "s|^  user:\$|  user:\\n    client-certificate-data: $(base64 -w0 "$WORK/other-client.crt")\\n    client-key-data: $(base64 -w0 "$WORK/other-client.key")|" \
	"$SIM_DIR/kubeconfig" >"$KUBECONFIG_FILE"
expect_not_contains "$(cat "$KUBECONFIG_FILE")" "$TOKEN" "the foreign kubeconfig has no token"
expect_kc 1 "kubectl with a client certificate from another CA" get namespaces
expect_contains "$KC_ERR" "error: You must be logged in to the server" "a foreign client certificate: You must be logged in"
KUBECONFIG_FILE=$SIM_DIR/kubeconfig
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$CA" --cert "$WORK/other-client.crt" --key "$WORK/other-client.key")
req GET /api/v1/namespaces
expect_eq "$CODE" "401" "curl with a client certificate from another CA: 401"
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$CA" -H "Authorization: Bearer $TOKEN")
req GET /api/v1/namespaces
expect_eq "$CODE" "200" "token and client certificate configured: the token alone works"
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$CA" --cert "$SIM_DIR/client.crt" --key "$SIM_DIR/client.key")
req GET /api/v1/namespaces
expect_eq "$CODE" "200" "token and client certificate configured: the certificate alone works"
CURL_OPTS=("${CURL_SAFE[@]}" -sS --cacert "$CA")
req GET /api/v1/namespaces
expect_eq "$CODE" "401" "token and client certificate configured: neither gets 401"
expect_kc 0 "kubectl with both credentials in the kubeconfig" get namespaces
expect_contains "$KC_OUT" "default" "kubectl lists the namespaces"
expect_eq "$(grep -cF "$TOKEN" "$REQLOG")" "0" "the request log never holds the token"

finish
