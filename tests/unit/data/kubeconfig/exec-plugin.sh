#!/bin/sh
# test-kube: a client-go exec credential plugin. Prints an ExecCredential
# whose token is $PLUGIN_TOKEN. Optional:
#   PLUGIN_COUNT      file that gets one line per run
#   PLUGIN_INFO_OUT   file that receives $KUBERNETES_EXEC_INFO
#   PLUGIN_BAD_FIRST  give the token "wrong-token" on the first run only
#   PLUGIN_API        apiVersion to answer with (default v1)
#   PLUGIN_EXP        expirationTimestamp to add
n=0
if [ -n "$PLUGIN_COUNT" ]; then
	if [ -f "$PLUGIN_COUNT" ]; then
		n=$(wc -l < "$PLUGIN_COUNT")
	fi
	echo run >> "$PLUGIN_COUNT"
fi
if [ -n "$PLUGIN_INFO_OUT" ]; then
	printf '%s' "$KUBERNETES_EXEC_INFO" > "$PLUGIN_INFO_OUT"
fi
tok=$PLUGIN_TOKEN
if [ -n "$PLUGIN_BAD_FIRST" ] && [ "$n" -eq 0 ]; then
	tok=wrong-token
fi
exp=
if [ -n "$PLUGIN_EXP" ]; then
	exp=",\"expirationTimestamp\":\"$PLUGIN_EXP\""
fi
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s"%s}}\n' \
	"${PLUGIN_API:-client.authentication.k8s.io/v1}" "$tok" "$exp"
