#!/bin/bash
# api-curl: the Kubernetes API of rollouts-sim driven by curl alone (no
# kubectl): version, discovery, list options, create, update, delete with
# cascade, subresources, patch errors and watches.
. "$(dirname "$0")/lib.sh"
start_sim --fixtures "$FIXTURES/main"
RO=/apis/argoproj.io/v1alpha1/namespaces/demo/rollouts
AGG='application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'

# names: "ns/name ..." of a list body on stdin
names() {
	jval '" ".join(i["metadata"].get("namespace", "") + "/" + i["metadata"]["name"] for i in d["items"])'
}
# status_of: "code reason message" of a Status body on stdin
status_of() {
	jval '"%s %s %s" % (d.get("code"), d.get("reason"), d.get("message"))'
}

# ------------------------------------------------------------- version
req GET /version
expect_eq "$CODE" "200" "GET /version"
expect_eq "$(printf '%s' "$BODY" | jval '[d["major"], d["minor"], d["gitVersion"][:5]]')" \
	'["1","32","v1.32"]' "/version says 1.32"
req GET /healthz
expect_eq "$CODE $BODY" "200 ok" "/healthz answers ok"

# ----------------------------------------------------------- discovery
req GET /apis -H "Accept: $AGG,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
expect_eq "$CODE" "200" "aggregated /apis"
expect_eq "$(header Content-Type)" "$AGG" "aggregated /apis Content-Type is the v2 APIGroupDiscoveryList"
printf '%s' "$BODY" >"$WORK/agg.json"
expect_eq "$(jval '[d["kind"], d["apiVersion"]]' <"$WORK/agg.json")" \
	'["APIGroupDiscoveryList","apidiscovery.k8s.io/v2"]' "aggregated /apis kind and apiVersion"
expect_eq "$(jval '[sorted(s["subresource"] for s in r.get("subresources", [])) for g in d["items"] if g["metadata"].get("name") == "argoproj.io" for v in g["versions"] if v["version"] == "v1alpha1" for r in v["resources"] if r["resource"] == "rollouts"]' <"$WORK/agg.json")" \
	'[["scale","status"]]' "aggregated discovery: rollouts has the status and scale subresources"
expect_eq "$(jval '[r.get("subresources", []) for g in d["items"] if g["metadata"].get("name") == "argoproj.io" for v in g["versions"] for r in v["resources"] if r["resource"] == "analysisruns"]' <"$WORK/agg.json")" \
	'[[]]' "aggregated discovery: analysisruns has no subresources"
expect_eq "$(jval '[[r["scope"], r["shortNames"], r["singularResource"], r["responseKind"]["kind"]] for g in d["items"] if g["metadata"].get("name") == "argoproj.io" for v in g["versions"] for r in v["resources"] if r["resource"] == "rollouts"]' <"$WORK/agg.json")" \
	'[["Namespaced",["ro"],"rollout","Rollout"]]' "aggregated discovery: rollouts scope, short name, singular, kind"
expect_eq "$(jval 'sorted(g["metadata"]["name"] + "/" + v["version"] + "/" + r["resource"] for g in d["items"] for v in g["versions"] for r in v["resources"] if g["metadata"]["name"] in ("autoscaling", "networking.istio.io"))' <"$WORK/agg.json")" \
	'["autoscaling/v2/horizontalpodautoscalers","networking.istio.io/v1alpha3/virtualservices","networking.istio.io/v1beta1/gateways","networking.istio.io/v1beta1/virtualservices"]' \
	"aggregated discovery lists the kinds learnt from fixtures"
req GET /api -H "Accept: $AGG"
expect_eq "$(header Content-Type)" "$AGG" "aggregated /api Content-Type"
expect_eq "$(printf '%s' "$BODY" | jval 'sorted(r["resource"] for v in d["items"][0]["versions"] for r in v["resources"])')" \
	'["configmaps","events","namespaces","pods","services"]' "aggregated /api lists the core resources"
req GET /apis -H "Accept: application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
expect_eq "$(header Content-Type)" "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList" \
	"a v2beta1-only client gets v2beta1"
expect_eq "$(printf '%s' "$BODY" | jval 'd["apiVersion"]')" "apidiscovery.k8s.io/v2beta1" "v2beta1 apiVersion"
req GET /apis -H "Accept: application/json"
expect_eq "$(header Content-Type)" "application/json" "legacy /apis Content-Type"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], [g["preferredVersion"]["groupVersion"] for g in d["groups"] if g["name"] == "argoproj.io"]]')" \
	'["APIGroupList",["argoproj.io/v1alpha1"]]' "legacy /apis is an APIGroupList"
req GET /api
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["versions"]]')" '["APIVersions",["v1"]]' \
	"legacy /api (no Accept) is APIVersions"
req GET /apis/argoproj.io/v1alpha1
expect_eq "$CODE" "200" "GET /apis/argoproj.io/v1alpha1"
printf '%s' "$BODY" >"$WORK/rl.json"
expect_eq "$(jval '[d["kind"], d["groupVersion"]]' <"$WORK/rl.json")" '["APIResourceList","argoproj.io/v1alpha1"]' \
	"the argoproj.io resource list"
expect_eq "$(jval 'sorted(r["name"] for r in d["resources"])' <"$WORK/rl.json")" \
	'["analysisruns","analysistemplates","applications","appprojects","clusteranalysistemplates","experiments","rollouts","rollouts/scale","rollouts/status"]' \
	"the argoproj.io resources and subresources"
expect_eq "$(jval '[[r["kind"], r["namespaced"], r["shortNames"], r["singularName"]] for r in d["resources"] if r["name"] == "rollouts"]' <"$WORK/rl.json")" \
	'[["Rollout",true,["ro"],"rollout"]]' "rollouts in the resource list"
expect_eq "$(jval '[r["namespaced"] for r in d["resources"] if r["name"] == "clusteranalysistemplates"]' <"$WORK/rl.json")" \
	'[false]' "clusteranalysistemplates are cluster-scoped"
req GET /apis/argoproj.io
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["preferredVersion"]["version"]]')" '["APIGroup","v1alpha1"]' "GET /apis/argoproj.io"
req GET /apis/nope.example.com/v1
expect_eq "$CODE" "404" "an unknown group version is 404"

# -------------------------------------------------------- list options
ALL=/apis/argoproj.io/v1alpha1/rollouts
req GET "$ALL"
expect_eq "$(printf '%s' "$BODY" | names)" "demo/api demo/web demo/worker staging/checkout staging/web" \
	"list across namespaces, sorted"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["apiVersion"], d["metadata"]["resourceVersion"].isdigit(), [i["kind"] for i in d["items"]][:1]]')" \
	'["RolloutList","argoproj.io/v1alpha1",true,["Rollout"]]' "RolloutList shape (custom resource items keep kind)"
LIST_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
req GET /apis/argoproj.io/v1alpha1/namespaces/nowhere/rollouts
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["items"]')" "200/[]" "a list in a namespace that does not exist is empty"
req GET /api/v1/namespaces/demo/pods
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], "kind" in d["items"][0], "apiVersion" in d["items"][0]]')" \
	'["PodList",false,false]' "built-in list items leave out kind and apiVersion"
req GET "$ALL" -G --data-urlencode 'labelSelector=app in (a,b)'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/api demo/web staging/web" "labelSelector app in (a,b)"
req GET "$RO" -G --data-urlencode 'labelSelector=!x'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/api demo/web" "labelSelector !x"
req GET "$ALL" -G --data-urlencode 'labelSelector=tier!=web'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/api demo/worker" "labelSelector tier!=web"
req GET "$ALL" -G --data-urlencode 'labelSelector=app=a,tier=web,x notin (1)'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/web staging/web" "labelSelector app=a,tier=web,x notin (1)"
req GET "$ALL" -G --data-urlencode 'labelSelector=x'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/worker" "labelSelector x (exists)"
req GET "$ALL" -G --data-urlencode 'labelSelector=app in (a'
expect_eq "$CODE" "400" "a malformed label selector is 400"
req GET "$ALL" -G --data-urlencode 'fieldSelector=metadata.name=web'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/web staging/web" "fieldSelector metadata.name=web"
req GET "$ALL" -G --data-urlencode 'fieldSelector=metadata.namespace=staging'
expect_eq "$(printf '%s' "$BODY" | names)" "staging/checkout staging/web" "fieldSelector metadata.namespace=staging"
req GET "$ALL" -G --data-urlencode 'fieldSelector=metadata.name!=web,metadata.namespace==demo'
expect_eq "$(printf '%s' "$BODY" | names)" "demo/api demo/worker" "fieldSelector metadata.name!=web,metadata.namespace==demo"
req GET "$ALL" -G --data-urlencode 'fieldSelector=spec.foo=1'
expect_eq "$CODE" "400" "an unsupported field selector is 400"
expect_eq "$(printf '%s' "$BODY" | status_of)" "400 BadRequest field label not supported: spec.foo" \
	"field label not supported: spec.foo"
req GET "$ALL?resourceVersionMatch=NotOlderThan"
expect_eq "$(printf '%s' "$BODY" | status_of)" "400 BadRequest resourceVersionMatch is forbidden unless resourceVersion is provided" \
	"resourceVersionMatch without resourceVersion is 400"

# limit and continue
req GET "$ALL?limit=2"
expect_eq "$(printf '%s' "$BODY" | jval '[len(d["items"]), d["metadata"]["remainingItemCount"], bool(d["metadata"]["continue"])]')" \
	'[2,3,true]' "limit=2: two items, remainingItemCount 3, a continue token"
p1=$(printf '%s' "$BODY" | names)
tok=$(printf '%s' "$BODY" | jval 'd["metadata"]["continue"]')
req GET "$ALL?limit=2" -G --data-urlencode "continue=$tok"
expect_eq "$(printf '%s' "$BODY" | jval '[len(d["items"]), d["metadata"]["remainingItemCount"]]')" '[2,1]' \
	"second page: two items, remainingItemCount 1"
p2=$(printf '%s' "$BODY" | names)
tok=$(printf '%s' "$BODY" | jval 'd["metadata"]["continue"]')
req GET "$ALL?limit=2" -G --data-urlencode "continue=$tok"
expect_eq "$(printf '%s' "$BODY" | jval '[len(d["items"]), "continue" in d["metadata"], "remainingItemCount" in d["metadata"]]')" \
	'[1,false,false]' "last page: one item, no continue"
expect_eq "$p1 $p2 $(printf '%s' "$BODY" | names)" "demo/api demo/web demo/worker staging/checkout staging/web" \
	"the pages together hold every rollout once"
req GET "$ALL?limit=2&continue=garbage"
expect_eq "$CODE" "400" "a bad continue token is 400"
# (kube-apiserver leaves remainingItemCount out when a selector is given;
# it is not checked here)
req GET "$ALL?limit=1" -G --data-urlencode 'labelSelector=tier=web'
expect_eq "$(printf '%s' "$BODY" | jval '[[i["metadata"]["name"] for i in d["items"]], bool(d["metadata"].get("continue"))]')" \
	'[["web"],true]' "limit with a selector pages over the matching items"
tok=$(printf '%s' "$BODY" | jval 'd["metadata"]["continue"]')
req GET "$ALL?limit=5" -G --data-urlencode 'labelSelector=tier=web' --data-urlencode "continue=$tok"
expect_eq "$(printf '%s' "$BODY" | names)" "staging/checkout staging/web" "the next page with the same selector"
req GET "$ALL?resourceVersion=99999999"
expect_eq "$(printf '%s' "$BODY" | jval '[d["code"], d["reason"], d["message"].startswith("Too large resource version: 99999999")]')" \
	'[504,"Timeout",true]' "a list from a future resourceVersion: 504 Too large resource version"
req GET "$ALL?limit=2&resourceVersion=0"
expect_eq "$(printf '%s' "$BODY" | jval 'len(d["items"])')" "5" "resourceVersion=0 ignores limit (watch cache)"

# ------------------------------------------------------------- create
new_ro() { # NAME [LABELS-JSON]
	printf '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"%s","labels":%s,"uid":"client-uid","resourceVersion":"5"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"%s"}}},"status":{"phase":"Fake"}}' \
		"$1" "${2:-{\}}" "$1"
}
req_json POST "$RO" application/json "$(new_ro x '{"app":"x"}')"
expect_eq "$CODE" "201" "POST create: 201"
printf '%s' "$BODY" >"$WORK/x.json"
expect_eq "$(jval '[d["metadata"]["name"], d["metadata"]["namespace"], len(d["metadata"]["uid"]), d["metadata"]["uid"] != "client-uid", d["metadata"]["generation"], d["metadata"]["resourceVersion"] not in ("5", ""), "status" in d]' <"$WORK/x.json")" \
	'["x","demo",36,true,1,true,false]' "create fills uid, namespace, generation 1 and a resourceVersion, drops status"
expect_true "creationTimestamp is RFC 3339 UTC" python3 -c '
import json, sys, datetime
t = json.load(open(sys.argv[1]))["metadata"]["creationTimestamp"]
datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")' "$WORK/x.json"
X_RV=$(jval 'd["metadata"]["resourceVersion"]' <"$WORK/x.json")
X_UID=$(jval 'd["metadata"]["uid"]' <"$WORK/x.json")
req GET "$RO/x"
expect_eq "$(printf '%s' "$BODY" | jval '[d["metadata"]["uid"], d["metadata"]["resourceVersion"]]')" "[\"$X_UID\",\"$X_RV\"]" \
	"GET returns the created object"
req_json POST "$RO" application/json "$(new_ro x)"
expect_eq "$CODE" "409" "POST duplicate: 409"
expect_eq "$(printf '%s' "$BODY" | status_of)" '409 AlreadyExists rollouts.argoproj.io "x" already exists' "AlreadyExists text"
expect_eq "$(printf '%s' "$BODY" | jval 'd["details"]')" '{"group":"argoproj.io","kind":"rollouts","name":"x"}' \
	"AlreadyExists details name the plural"
req_json POST /apis/argoproj.io/v1alpha1/namespaces/nope/rollouts application/json "$(new_ro y)"
expect_eq "$CODE" "404" "POST into a missing namespace: 404"
expect_eq "$(printf '%s' "$BODY" | status_of)" '404 NotFound namespaces "nope" not found' "missing namespace text"
req_json POST "$RO" application/json '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"z","namespace":"staging"}}'
expect_eq "$CODE" "400" "POST with a namespace that is not the URL's: 400"
req_json POST "$RO" application/json '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"generateName":"gen-"},"spec":{}}'
GEN=$(printf '%s' "$BODY" | jval 'd["metadata"]["name"]')
expect_eq "$CODE/$(printf '%s' "$GEN" | sed 's/^gen-[a-z0-9]\{5\}$/gen-XXXXX/')" "201/gen-XXXXX" \
	"POST with generateName picks a name"
req_json POST "$RO" application/json '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{}}'
expect_eq "$CODE" "422" "POST without a name: 422"
req_json POST "$RO" application/json '{"apiVersion":"apps/v1","kind":"Rollout","metadata":{"name":"q"}}'
expect_eq "$CODE" "400" "POST with the wrong apiVersion: 400"
req_json POST "$RO" application/json '{"apiVersion":'
expect_eq "$CODE" "400" "POST with bad JSON: 400"
req_json POST /api/v1/namespaces application/json '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fresh"}}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["status"]["phase"]')" "201/Active" "POST a namespace: 201, Active"
req_json POST /apis/argoproj.io/v1alpha1/namespaces/fresh/rollouts application/json "$(new_ro y)"
expect_eq "$CODE" "201" "POST into the new namespace: 201"

# ------------------------------------------------------------- update
upd() { # RV REPLICAS
	printf '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"x","namespace":"demo","resourceVersion":"%s","labels":{"app":"x"}},"spec":{"replicas":%s,"selector":{"matchLabels":{"app":"x"}}}}' "$1" "$2"
}
req_json PUT "$RO/x" application/json "$(upd "$X_RV" 4)"
expect_eq "$CODE" "200" "PUT with the current resourceVersion: 200"
X_RV2=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
expect_eq "$(printf '%s' "$BODY" | jval '[d["spec"]["replicas"], d["metadata"]["generation"], d["metadata"]["uid"]]')" \
	"[4,2,\"$X_UID\"]" "PUT changed spec, bumped generation, kept uid"
expect_ne "$X_RV2" "$X_RV" "PUT gave a new resourceVersion"
req_json PUT "$RO/x" application/json "$(upd "$X_RV2" 4)"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '[d["metadata"]["resourceVersion"], d["metadata"]["generation"]]')" \
	"200/[\"$X_RV2\",2]" "a PUT that changes nothing keeps resourceVersion and generation"
req_json PUT "$RO/x" application/json "$(upd "$X_RV2" 4 | sed 's/}}}$/}},"status":{"phase":"Degraded"}}/')"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '["status" in d, d["metadata"]["resourceVersion"]]')" \
	"200/[false,\"$X_RV2\"]" "a PUT of the main resource ignores status"
req_json PUT "$RO/x/status" application/json "$(upd "$X_RV2" 8 | sed 's/}}}$/}},"status":{"phase":"Degraded"}}/')"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '[d["status"], d["spec"]["replicas"], d["metadata"]["generation"]]')" \
	'200/[{"phase":"Degraded"},4,2]' "a PUT of /status changes status only, generation kept"
X_RV2=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
req_json PUT "$RO/x" application/json "$(upd "$X_RV" 6)"
expect_eq "$CODE" "409" "PUT with a stale resourceVersion: 409"
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	'409 Conflict Operation cannot be fulfilled on rollouts.argoproj.io "x": the object has been modified; please apply your changes to the latest version and try again' \
	"the exact Conflict text"
req_json PUT "$RO/x" application/json '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"x"},"spec":{"replicas":6}}'
expect_eq "$CODE" "422" "PUT without resourceVersion on a rollout: 422"
expect_eq "$(printf '%s' "$BODY" | jval '[d["reason"], d["details"]["kind"], d["details"]["causes"][0]["field"]]')" \
	'["Invalid","Rollout","metadata.resourceVersion"]' "the 422 is Invalid on metadata.resourceVersion"
req_json PUT "$RO/x" application/json "$(upd "$X_RV2" 4 | sed 's/"name":"x"/"name":"other"/')"
expect_eq "$CODE" "400" "PUT with a name that is not the URL's: 400"
req_json PUT "$RO/nope" application/json "$(upd 1 1 | sed 's/"name":"x"/"name":"nope"/')"
expect_eq "$CODE" "404" "PUT of a missing object: 404"
req GET /api/v1/namespaces/demo/pods/shop-pod
body=$(printf '%s' "$BODY" | jval 'dict(d, metadata=dict((k, v) for k, v in d["metadata"].items() if k != "resourceVersion"), spec=dict(d["spec"], nodeName="n1"))')
req_json PUT /api/v1/namespaces/demo/pods/shop-pod application/json "$body"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["spec"]["nodeName"]')" "200/n1" \
	"PUT without resourceVersion on a built-in kind is an unconditional update"

# scale subresource
req GET "$RO/web/scale"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["apiVersion"], d["spec"]["replicas"], d["status"]["replicas"], d["status"]["selector"]]')" \
	'["Scale","autoscaling/v1",3,3,"app=a"]' "GET rollouts/web/scale"
req_json PATCH "$RO/web/scale" application/merge-patch+json '{"spec":{"replicas":6}}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["spec"]["replicas"]')" "200/6" "PATCH the scale subresource"
req GET "$RO/web"
expect_eq "$(printf '%s' "$BODY" | jval '[d["spec"]["replicas"], d["metadata"]["generation"]]')" '[6,4]' \
	"the scale patch changed spec.replicas and generation"

# -------------------------------------------------------------- patch
req_json PATCH "$RO/x" application/json-patch+json '[{"op":"test","path":"/spec/replicas","value":99},{"op":"replace","path":"/spec/replicas","value":1}]'
expect_eq "$CODE" "422" "JSON patch with a failing test op: 422"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["reason"]]')" '["Status","Invalid"]' "the 422 is an Invalid Status"
req_json PATCH "$RO/x" application/json-patch+json '[{"op":"test","path":"/spec/replicas","value":4},{"op":"replace","path":"/spec/replicas","value":1}]'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["spec"]["replicas"]')" "200/1" "JSON patch with a passing test op applies"
req_json PATCH "$RO/x" application/json-patch+json '[{"op":"remove","path":"/spec/nothing"}]'
expect_eq "$CODE" "422" "JSON patch removing a missing path: 422"
req_json PATCH "$RO/x" application/merge-patch+json '{"spec":'
expect_eq "$CODE" "400" "a malformed merge patch: 400"
req_json PATCH "$RO/x" application/strategic-merge-patch+json '{"spec":{"replicas":2}}'
expect_eq "$(printf '%s' "$BODY" | status_of)" \
	"415 UnsupportedMediaType the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml" \
	"strategic merge on a custom resource: 415"
req_json PATCH "$RO/x" text/plain '{"spec":{"replicas":2}}'
expect_eq "$CODE" "415" "an unknown patch type: 415"
req_json PATCH "$RO/x" application/merge-patch+json '{"metadata":{"resourceVersion":"1"},"spec":{"replicas":2}}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["reason"]')" "409/Conflict" "a merge patch with a stale resourceVersion: 409"
req_json PATCH "$RO/x?fieldManager=e2e" application/apply-patch+yaml "$(printf 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  replicas: 3\n')"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["spec"]["replicas"]')" "200/3" "server-side apply (YAML body) merges"
# As kube-apiserver does: server-side apply creates a missing object (kubectl apply
# --server-side relies on it); rollouts-sim answers 404
req_json PATCH "$RO/ssa?fieldManager=e2e" application/apply-patch+yaml "$(printf 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: ssa\nspec:\n  replicas: 2\n')"
expect_eq "$CODE" "201" "server-side apply of a missing object creates it (201)"
req DELETE "$RO/ssa"

# ------------------------------------------------------ subresources
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/analysisruns/web-run-1/status
expect_eq "$(printf '%s' "$BODY" | status_of)" "404 NotFound the server could not find the requested resource" \
	"GET analysisruns/NAME/status: 404, no such subresource"
req_json PATCH /apis/argoproj.io/v1alpha1/namespaces/demo/analysisruns/web-run-1/status application/merge-patch+json '{"status":{"phase":"Failed"}}'
expect_eq "$(printf '%s' "$BODY" | status_of)" "404 NotFound the server could not find the requested resource" \
	"PATCH analysisruns/NAME/status: 404"
req_json PATCH /apis/argoproj.io/v1alpha1/namespaces/demo/analysisruns/web-run-1 application/merge-patch+json '{"status":{"phase":"Failed"}}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["status"]["phase"]')" "200/Failed" \
	"without a status subresource the main resource takes status"
# As kube-apiserver does: for a custom resource without a status subresource, kube-apiserver
# bumps generation on any change outside metadata, status included
# (apiextensions-apiserver customResourceStrategy.PrepareForUpdate:
# "except for the changes to metadata, any other changes cause the
# generation to increment"); rollouts-sim always leaves status out.
expect_eq "$(printf '%s' "$BODY" | jval 'd["metadata"]["generation"]')" "2" \
	"a status change of an analysis run (no status subresource) bumps generation"
req GET "$RO/nope"
expect_eq "$(printf '%s' "$BODY" | status_of)" '404 NotFound rollouts.argoproj.io "nope" not found' "GET a missing rollout: 404"
expect_eq "$(printf '%s' "$BODY" | jval 'd["details"]')" '{"group":"argoproj.io","kind":"rollouts","name":"nope"}' \
	"NotFound details"
req GET /api/v1/namespaces/demo/pods/nope
expect_eq "$(printf '%s' "$BODY" | jval '[d["message"], d["details"]]')" '["pods \"nope\" not found",{"kind":"pods","name":"nope"}]' \
	"a core NotFound has no group"
req POST "$RO/x" -H 'Content-Type: application/json' --data-binary '{}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["reason"]')" "405/MethodNotAllowed" "POST on an object: 405"
# a body over 3 MiB (kube-apiserver's MaxRequestBodyBytes)
head -c 3200000 /dev/zero | tr '\0' 'a' >"$WORK/big.json"
req POST /api/v1/namespaces/demo/configmaps -H 'Content-Type: application/json' --data-binary "@$WORK/big.json"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["reason"]')" "413/RequestEntityTooLarge" "a body over 3 MiB: 413"
# As kube-apiserver does: kube-apiserver's text is 'Request entity too large: limit is
# 3145728' (apiserver handlers/rest.go limitedReadBody,
# errors.NewRequestEntityTooLargeError); rollouts-sim says 'the request is
# too large'
expect_eq "$(printf '%s' "$BODY" | jval 'd["message"]')" "Request entity too large: limit is 3145728" \
	"the 413 text is kube-apiserver's"
req GET /no/such/path
expect_eq "$CODE $BODY" "404 404 page not found" "an unknown URL: text/plain 404 page not found"
req GET /apis/argoproj.io/v1alpha1/clusteranalysistemplates
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["kind"]')" "200/ClusterAnalysisTemplateList" "cluster-scoped list"

# ----------------------------------------------------- delete, cascade
req GET /apis/apps/v1/namespaces/demo/replicasets/web-6d9f7c8b5
expect_eq "$CODE" "200" "the ReplicaSet owned by rollout web exists"
req GET /api/v1/namespaces/demo/pods
watch_bg "$WORK/wd" "/api/v1/namespaces/demo/pods?watch=true&resourceVersion=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')"
wd=$WATCH_PID
req DELETE "$RO/web"
expect_eq "$CODE" "200" "DELETE a rollout: 200"
expect_eq "$(printf '%s' "$BODY" | jval '[d["kind"], d["status"], d["details"]["name"], d["details"]["group"], d["details"]["kind"], d["details"]["uid"]]')" \
	'["Status","Success","web","argoproj.io","rollouts","5d1f0c2e-1111-4000-8000-000000000001"]' \
	"DELETE of a custom resource returns a Status Success"
req GET "$RO/web"
expect_eq "$CODE" "404" "the rollout is gone"
req GET /apis/apps/v1/namespaces/demo/replicasets/web-6d9f7c8b5
expect_eq "$CODE" "404" "the owned ReplicaSet is deleted with it (cascade)"
req GET /api/v1/namespaces/demo/pods/web-6d9f7c8b5-x2k4p
expect_eq "$CODE" "404" "the Pod owned by that ReplicaSet is deleted too"
req GET /apis/argoproj.io/v1alpha1/namespaces/staging/rollouts/web
expect_eq "$CODE" "200" "rollout staging/web (same name, other namespace) is untouched"
expect_true "a pod watch sees the cascade's DELETED" wait_until 10 file_has "$WORK/wd" '"type":"DELETED"'
watch_stop "$wd"
expect_eq "$(jlines 'd["type"] + " " + d["object"]["metadata"]["name"]' <"$WORK/wd")" "DELETED web-6d9f7c8b5-x2k4p" \
	"the cascade deleted the pod with a DELETED event"
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/analysisruns/web-run-1
expect_eq "$CODE" "200" "an object without ownerReferences is untouched"
req DELETE "$RO/web"
expect_eq "$CODE" "404" "DELETE a missing rollout: 404"
# orphaning
rs_owned_by() { # NAME OWNER-UID
	printf '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"%s","ownerReferences":[{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","name":"x","uid":"%s","controller":true}]},"spec":{"replicas":1}}' "$1" "$2"
}
req_json POST /apis/apps/v1/namespaces/demo/replicasets application/json "$(rs_owned_by x-rs "$X_UID")"
expect_eq "$CODE" "201" "POST a ReplicaSet owned by rollout x"
req DELETE "$RO/x" -H 'Content-Type: application/json' --data-binary '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan"}'
expect_eq "$CODE" "200" "DELETE rollout x with propagationPolicy Orphan"
req GET /apis/apps/v1/namespaces/demo/replicasets/x-rs
expect_eq "$CODE" "200" "the orphaned ReplicaSet stays"
req DELETE /apis/apps/v1/namespaces/demo/replicasets/x-rs
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '[d["kind"], d["metadata"]["name"]]')" '200/["ReplicaSet","x-rs"]' \
	"DELETE of a built-in kind returns the object"
# deletecollection
req DELETE /api/v1/namespaces/demo/pods -G --data-urlencode 'labelSelector=app=shop'
expect_eq "$CODE/$(printf '%s' "$BODY" | names)" "200/demo/shop-pod" "deletecollection with a label selector"
req GET /api/v1/namespaces/demo/pods
expect_eq "$(printf '%s' "$BODY" | jval 'len(d["items"])')" "0" "the pods are gone"

# deleting a namespace deletes what is in it
req GET /apis/argoproj.io/v1alpha1/namespaces/staging/rollouts
expect_eq "$(printf '%s' "$BODY" | names)" "staging/checkout staging/web" "staging holds two rollouts"
req DELETE /api/v1/namespaces/staging
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '[d["kind"], d["metadata"]["name"]]')" '200/["Namespace","staging"]' \
	"DELETE a namespace"
req GET /api/v1/namespaces/staging
expect_eq "$CODE" "404" "the namespace is gone"
# As kube-apiserver does: the namespace cascade lists objects with the namespace's own
# (empty) namespace instead of its name, so nothing in it is deleted
req GET /apis/argoproj.io/v1alpha1/namespaces/staging/rollouts
expect_eq "$(printf '%s' "$BODY" | names)" "" "the rollouts of a deleted namespace are deleted with it"
req GET /apis/argoproj.io/v1alpha1/namespaces/staging/rollouts/web
expect_eq "$CODE" "404" "GET of a rollout in a deleted namespace: 404"
req GET /apis/argoproj.io/v1alpha1/namespaces/demo/rollouts/api
expect_eq "$CODE" "200" "other namespaces keep their objects"

# -------------------------------------------------------------- watch
req GET "$RO"
W_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
watch_bg "$WORK/w1" "$RO?watch=true&resourceVersion=$W_RV" -D "$WORK/w1.h"
w1=$WATCH_PID
req_json PATCH "$RO/api" application/merge-patch+json '{"spec":{"replicas":9}}'
expect_eq "$CODE" "200" "PATCH while watching"
API_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
expect_true "the watch stream has a MODIFIED line" wait_until 10 file_has "$WORK/w1" '"type":"MODIFIED"'
watch_stop "$w1"
wh=$(tr -d '\r' <"$WORK/w1.h")
expect_contains "$wh" "HTTP/1.1 200" "the watch answers 200"
expect_contains "$wh" "Content-Type: application/json" "the watch is application/json"
expect_contains "$(printf '%s' "$wh" | tr '[:upper:]' '[:lower:]')" "transfer-encoding: chunked" "the watch is chunked"
expect_eq "$(jlines '[d["type"], d["object"]["metadata"]["name"], d["object"]["metadata"]["resourceVersion"], d["object"]["spec"]["replicas"], d["object"]["kind"]]' <"$WORK/w1")" \
	"[\"MODIFIED\",\"api\",\"$API_RV\",9,\"Rollout\"]" "a watch from the list's resourceVersion sends just the change"
# watch=1 and a watch from an older resourceVersion replay the history
watch_bg "$WORK/w2" "$RO?watch=1&resourceVersion=$LIST_RV&timeoutSeconds=600"
w2=$WATCH_PID
expect_true "a watch from an older resourceVersion replays" wait_until 10 file_has "$WORK/w2" "\"resourceVersion\":\"$API_RV\""
watch_stop "$w2"
expect_eq "$(jlines 'd["type"] + " " + d["object"]["metadata"]["name"]' <"$WORK/w2" | tr '\n' ',')" \
	"ADDED x,ADDED $GEN,MODIFIED x,MODIFIED x,MODIFIED web,MODIFIED x,MODIFIED x,ADDED ssa,DELETED ssa,DELETED web,DELETED x,MODIFIED api," \
	"the replay has every event of demo's rollouts in order"

# a watch without resourceVersion starts with ADDED for every object
watch_bg "$WORK/w3" "$RO?watch=true" -G --data-urlencode 'labelSelector=app in (b,c)'
w3=$WATCH_PID
expect_true "a watch without resourceVersion sends the current objects" \
	wait_until 10 file_count_ge "$WORK/w3" '"type":"ADDED"' 2
# label selector: an object that stops matching is sent as DELETED, one that
# starts matching as ADDED
req_json PATCH "$RO/worker" application/merge-patch+json '{"metadata":{"labels":{"app":"gone"}}}'
req_json PATCH "$RO/worker" application/merge-patch+json '{"metadata":{"labels":{"app":"b"}}}'
expect_true "the selector watch saw worker leave and come back" \
	wait_until 10 file_count_ge "$WORK/w3" '"type":"ADDED"' 3
watch_stop "$w3"
expect_eq "$(jlines 'd["type"] + " " + d["object"]["metadata"]["name"] + " " + d["object"]["metadata"]["labels"]["app"]' <"$WORK/w3" | tr '\n' ',')" \
	"ADDED api b,ADDED worker c,DELETED worker gone,ADDED worker b," \
	"a label selector watch: DELETED when an object stops matching, ADDED when it matches again"

# fieldSelector on a watch (what kubectl get NAME -w sends)
watch_bg "$WORK/w4" "$RO?watch=true&resourceVersion=0" -G --data-urlencode 'fieldSelector=metadata.name=api'
w4=$WATCH_PID
expect_true "a single-object watch sends its ADDED" wait_until 10 file_has "$WORK/w4" '"type":"ADDED"'
req_json PATCH "$RO/worker" application/merge-patch+json '{"spec":{"replicas":5}}'
req_json PATCH "$RO/api" application/merge-patch+json '{"spec":{"replicas":10}}'
expect_true "the single-object watch sees its change" wait_until 10 file_has "$WORK/w4" '"type":"MODIFIED"'
watch_stop "$w4"
expect_eq "$(jlines 'd["type"] + " " + d["object"]["metadata"]["name"]' <"$WORK/w4" | tr '\n' ',')" \
	"ADDED api,MODIFIED api," "a fieldSelector watch sends only the named object"

# timeoutSeconds ends the stream cleanly (the server's own timer)
req GET "$RO"
W_RV=$(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')
curl "${CURL_OPTS[@]}" -N -m 30 -o "$WORK/w5" "$BASE$RO?watch=true&timeoutSeconds=1&resourceVersion=$W_RV"
expect_eq "$?" "0" "timeoutSeconds=1 ends the stream cleanly (curl exit 0)"
expect_eq "$(cat "$WORK/w5")" "" "nothing happened during the short watch"

# sendInitialEvents: ADDED events, then a BOOKMARK marking their end
watch_bg "$WORK/w6" "$RO?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
w6=$WATCH_PID
expect_true "sendInitialEvents: a BOOKMARK arrives" wait_until 10 file_has "$WORK/w6" '"type":"BOOKMARK"'
watch_stop "$w6"
expect_eq "$(jlines 'd["type"] + " " + d["object"]["metadata"].get("name", "-")' <"$WORK/w6" | tr '\n' ',')" \
	"ADDED api,ADDED $GEN,ADDED worker,BOOKMARK -," "sendInitialEvents: ADDED for each object, then one BOOKMARK"
expect_eq "$(grep BOOKMARK "$WORK/w6" | jval '[d["object"]["kind"], d["object"]["apiVersion"], d["object"]["metadata"]["annotations"], d["object"]["metadata"]["resourceVersion"].isdigit()]')" \
	'["Rollout","argoproj.io/v1alpha1",{"k8s.io/initial-events-end":"true"},true]' \
	"the BOOKMARK carries the k8s.io/initial-events-end annotation and a resourceVersion"
req GET "$RO?watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=1"
expect_eq "$CODE" "400" "resourceVersionMatch on a watch without sendInitialEvents: 400"
stop_sim

# -------------------------------------------- 410 Expired, short history
start_sim --history 2
NS=/api/v1/namespaces/default/configmaps
rvs=""
for i in 1 2 3 4 5; do
	req_json POST "$NS" application/json "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm$i\"}}"
	rvs="$rvs $(printf '%s' "$BODY" | jval 'd["metadata"]["resourceVersion"]')"
done
# shellcheck disable=SC2086 # split the list on purpose
set -- $rvs
expect_eq "$#" "5" "five writes"
curl "${CURL_OPTS[@]}" -N -m 30 -o "$WORK/w7" "$BASE$NS?watch=true&resourceVersion=$1"
expect_eq "$?" "0" "a watch from a compacted resourceVersion ends at once, cleanly"
expect_eq "$(jval '[d["type"], d["object"]["kind"], d["object"]["code"], d["object"]["reason"], d["object"]["message"].startswith("too old resource version: ")]' <"$WORK/w7")" \
	'["ERROR","Status",410,"Expired",true]' "an ERROR event with code 410 and reason Expired"
watch_bg "$WORK/w8" "$NS?watch=true&resourceVersion=$3"
w8=$WATCH_PID
expect_true "a watch from the oldest kept resourceVersion replays" wait_until 10 file_count_ge "$WORK/w8" '"type":"ADDED"' 2
watch_stop "$w8"
expect_eq "$(jlines 'd["object"]["metadata"]["name"]' <"$WORK/w8" | tr '\n' ' ')" "cm4 cm5 " \
	"the replay from the oldest kept resourceVersion holds the two kept events"
# a resourceVersion the server never issued (a client from before a restart)
req GET "$NS?watch=true&resourceVersion=99999999"
expect_eq "$CODE" "504" "a watch from a future resourceVersion: 504, as the API server's watch cache"
expect_eq "$(printf '%s' "$BODY" | jval '[d["reason"], d["message"].startswith("Too large resource version: 99999999, current: ")]')" \
	'["Timeout",true]' "its Status says Too large resource version"

finish
