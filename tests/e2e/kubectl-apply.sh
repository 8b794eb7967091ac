#!/bin/bash
# kubectl-apply: kubectl apply and create with validation on (no
# --validate=false) against rollouts-sim: the OpenAPI v3 documents kubectl
# 1.32 reads (and v2 for older clients), the tutorial's Rollout, Services,
# VirtualService and AnalysisTemplate applied, re-applied unchanged and with
# a change, kubectl create, and fieldValidation (Strict, Warn, Ignore) with
# the API server's messages, through kubectl and through curl.
. "$(dirname "$0")/lib.sh"
need_kubectl
start_sim
T=$FIXTURES/tutorial

# ---------------------------------------------------------------- documents
req GET /openapi/v3
expect_eq "$CODE" 200 "GET /openapi/v3"
argo_url=$(printf '%s' "$BODY" | jval 'd["paths"]["apis/argoproj.io/v1alpha1"]["serverRelativeURL"]')
expect_contains "$argo_url" "/openapi/v3/apis/argoproj.io/v1alpha1?hash=" "the index names the argoproj.io/v1alpha1 document with its hash"
expect_eq "$(printf '%s' "$BODY" | jval 'sorted(k for k in d["paths"] if k in ("api/v1", "apis/apps/v1", "apis/networking.istio.io/v1alpha3", "apis/networking.istio.io/v1beta1"))')" \
	'["api/v1","apis/apps/v1","apis/networking.istio.io/v1alpha3","apis/networking.istio.io/v1beta1"]' \
	"the index lists the core, apps and Istio group-versions"
req GET "$argo_url"
expect_eq "$CODE" 200 "GET the argoproj.io/v1alpha1 document"
printf '%s' "$BODY" >"$WORK/argo.json"
jq_argo() { jval "$1" <"$WORK/argo.json"; }
expect_eq "$(jq_argo 'd["components"]["schemas"]["io.argoproj.v1alpha1.Rollout"]["x-kubernetes-group-version-kind"]')" \
	'[{"group":"argoproj.io","kind":"Rollout","version":"v1alpha1"}]' "the Rollout schema carries its group-version-kind"
expect_eq "$(jq_argo '[p["name"] for p in d["paths"]["/apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts/{name}"]["patch"]["parameters"]]')" \
	'["dryRun","fieldManager","fieldValidation","force"]' "the Rollout PATCH takes fieldValidation"
expect_eq "$(jq_argo 'sorted(d["paths"]["/apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts/{name}"]["patch"]["requestBody"]["content"])')" \
	'["application/apply-patch+yaml","application/json-patch+json","application/merge-patch+json"]' \
	"a custom resource's PATCH offers no strategic merge patch"
expect_eq "$(jq_argo 'd["components"]["schemas"]["io.argoproj.v1alpha1.Rollout"]["properties"]["spec"]["properties"]["strategy"]["properties"]["canary"]["properties"]["trafficRouting"]["properties"]["plugins"]["x-kubernetes-preserve-unknown-fields"]')" \
	true "trafficRouting.plugins keeps unknown fields as in Argo's CRD"
expect_eq "$(jq_argo 'sorted(k for k in d["components"]["schemas"] if k.startswith("io.argoproj"))')" \
	'["io.argoproj.v1alpha1.AnalysisRun","io.argoproj.v1alpha1.AnalysisRunList","io.argoproj.v1alpha1.AnalysisTemplate","io.argoproj.v1alpha1.AnalysisTemplateList","io.argoproj.v1alpha1.AppProject","io.argoproj.v1alpha1.AppProjectList","io.argoproj.v1alpha1.Application","io.argoproj.v1alpha1.ApplicationList","io.argoproj.v1alpha1.ClusterAnalysisTemplate","io.argoproj.v1alpha1.ClusterAnalysisTemplateList","io.argoproj.v1alpha1.Experiment","io.argoproj.v1alpha1.ExperimentList","io.argoproj.v1alpha1.Rollout","io.argoproj.v1alpha1.RolloutList"]' \
	"the document has every Argo kind (Rollouts and Argo CD) and its list"
req GET /openapi/v3/api/v1
expect_eq "$(printf '%s' "$BODY" | jval 'sorted(d["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]["patch"]["requestBody"]["content"])')" \
	'["application/apply-patch+yaml","application/json-patch+json","application/merge-patch+json","application/strategic-merge-patch+json"]' \
	"a built-in kind's PATCH offers strategic merge patch"
expect_eq "$(printf '%s' "$BODY" | jval 'd["components"]["schemas"]["io.k8s.api.core.v1.Service"]["properties"]["spec"]["properties"]["ports"]["x-kubernetes-patch-merge-key"]')" \
	port "Service ports merge by port"
req GET /openapi/v3/apis/nope.example.com/v1
expect_eq "$CODE" 404 "an unknown group-version has no document"
req GET /openapi/v2 -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf'
expect_eq "$CODE" 406 "v2 asked for in protobuf only: 406 (not served in protobuf)"
req GET /openapi/v2 -H 'Accept: application/json'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval '[d["swagger"], d["definitions"]["io.argoproj.v1alpha1.Rollout"]["properties"]["metadata"]["$ref"]]')" \
	'200/["2.0","#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]' "v2 in JSON with #/definitions references"

# ------------------------------------------------------ fieldValidation (curl)
RO=/apis/argoproj.io/v1alpha1/namespaces/default/rollouts
ro_body() { # NAME EXTRA-SPEC-MEMBERS
	printf '{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"%s"},"spec":{%s"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"x","image":"x:1"}]}}}}' "$1" "$2"
}
req_json POST "$RO?fieldValidation=Strict" application/json "$(ro_body strict '"foo":1,"replicas":1,')"
expect_eq "$CODE" 400 "Strict: an unknown field is a 400"
expect_eq "$(printf '%s' "$BODY" | jval '[d["reason"], d["message"]]')" \
	'["BadRequest","Rollout in version \"v1alpha1\" cannot be handled as a Rollout: strict decoding error: unknown field \"spec.foo\""]' \
	"Strict: the decoder's message"
req_json POST "$RO?fieldValidation=Strict" application/json "$(ro_body dup '"replicas":1,"replicas":2,')"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["message"]')" \
	'400/Rollout in version "v1alpha1" cannot be handled as a Rollout: strict decoding error: duplicate field "spec.replicas"' \
	"Strict: a duplicate field is a 400"
req_json POST "$RO?fieldValidation=Strict" application/json \
	"$(ro_body deep '"strategy":{"canary":{"steps":[{"setWeight":10,"bogus":true}]}},')"
expect_eq "$(printf '%s' "$BODY" | jval 'd["message"]')" \
	'Rollout in version "v1alpha1" cannot be handled as a Rollout: strict decoding error: unknown field "spec.strategy.canary.steps[0].bogus"' \
	"Strict: a nested unknown field is named with its path"
req_json POST "$RO?fieldValidation=Strict" application/json \
	"$(ro_body plug '"strategy":{"canary":{"trafficRouting":{"plugins":{"argoproj-labs/gatewayAPI":{"httpRoute":"r"}}}}},')"
expect_eq "$CODE" 201 "Strict: fields under x-kubernetes-preserve-unknown-fields are kept"
req GET "$RO/plug"
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["strategy"]["canary"]["trafficRouting"]["plugins"]')" \
	'{"argoproj-labs/gatewayAPI":{"httpRoute":"r"}}' "the plugin configuration is stored as sent"

req_json POST "$RO?fieldValidation=Warn" application/json "$(ro_body warn '"foo":1,"replicas":1,"replicas":3,')"
expect_eq "$CODE" 201 "Warn: created"
expect_eq "$(printf '%s\n' "$HDRS" | grep -i '^Warning:' | sort)" \
	"$(printf '%s\n' 'Warning: 299 - "duplicate field \"spec.replicas\""' 'Warning: 299 - "unknown field \"spec.foo\""')" \
	"Warn: one Warning header per finding"
expect_eq "$(printf '%s' "$BODY" | jval '["foo" in d["spec"], d["spec"]["replicas"]]')" '[false,3]' \
	"Warn: the unknown field dropped, the last duplicate kept"
req_json POST "$RO" application/json "$(ro_body default '"foo":1,')"
expect_eq "$CODE/$(header Warning)" '201/299 - "unknown field \"spec.foo\""' "no fieldValidation: Warn, the server's default"
req_json POST "$RO?fieldValidation=Ignore" application/json "$(ro_body ignore '"foo":1,')"
expect_eq "$CODE/$(header Warning)/$(printf '%s' "$BODY" | jval '"foo" in d["spec"]')" '201//false' \
	"Ignore: dropped without a warning"
req_json POST "$RO?fieldValidation=Loose" application/json "$(ro_body loose '')"
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["message"]')" \
	'422/CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "Ignore", "Strict", "Warn"' \
	"an unknown directive is refused"
req_json PATCH "$RO/plug?fieldValidation=Strict" application/merge-patch+json '{"spec":{"bar":1}}'
expect_eq "$CODE" 422 "Strict: a merge patch adding an unknown field is a 422"
expect_contains "$(printf '%s' "$BODY" | jval 'd["message"]')" '": strict decoding error: unknown field "spec.bar"' \
	"Strict: the patch message names the field"
req_json PATCH "$RO/plug?fieldValidation=Warn" application/merge-patch+json '{"spec":{"bar":1,"replicas":4}}'
expect_eq "$CODE/$(header Warning)/$(printf '%s' "$BODY" | jval '["bar" in d["spec"], d["spec"]["replicas"]]')" \
	'200/299 - "unknown field \"spec.bar\""/[false,4]' "Warn: a patch's unknown field dropped with a warning"
req_json POST "/api/v1/namespaces/default/services?fieldValidation=Strict" application/json \
	'{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"bar":2}]}}'
expect_eq "$CODE/$(printf '%s' "$BODY" | jval 'd["message"]')" \
	'400/Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].bar"' \
	"Strict on a built-in kind"

# ----------------------------------------------------------------- kubectl
expect_kc 0 "kubectl apply -f the tutorial's files, validation on" apply -f "$T/namespace.yaml" \
	-f "$T/services.yaml" -f "$T/virtual-service.yaml" -f "$T/analysis-template.yaml" -f "$T/rollout.yaml"
expect_eq "$KC_OUT" "namespace/production created
service/devops-toolkit created
service/devops-toolkit-canary created
virtualservice.networking.istio.io/devops-toolkit created
analysistemplate.argoproj.io/devops-toolkit created
rollout.argoproj.io/devops-toolkit created" "apply prints created for each object"
expect_eq "$KC_ERR" "" "apply writes nothing on stderr"
expect_true "kubectl read the v3 index" reqlog_has GET /openapi/v3 ""
expect_true "kubectl read the argoproj.io document by its hash" reqlog_has GET /openapi/v3/apis/argoproj.io/v1alpha1 "hash="
expect_true "kubectl created the Rollout with fieldValidation=Strict" \
	reqlog_has POST /apis/argoproj.io/v1alpha1/namespaces/production/rollouts "fieldValidation=Strict"
req GET /apis/argoproj.io/v1alpha1/namespaces/production/rollouts/devops-toolkit
expect_eq "$(printf '%s' "$BODY" | jval '[d["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["routes"], d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]]')" \
	'[["primary"],{"cpu":"100m","memory":"256Mi"}]' "the applied Rollout is stored whole"

expect_kc 0 "apply the same files again" apply -f "$T/services.yaml" -f "$T/rollout.yaml"
expect_eq "$KC_OUT" "service/devops-toolkit unchanged
service/devops-toolkit-canary unchanged
rollout.argoproj.io/devops-toolkit unchanged" "re-applied unchanged"

sed 's/ef19bd2/1c4f344/' "$T/rollout.yaml" >"$WORK/rollout-v2.yaml"
sed 's/name: http/name: web/' "$T/services.yaml" >"$WORK/services-v2.yaml"
expect_kc 0 "apply a new image and new port names" apply -f "$WORK/rollout-v2.yaml" -f "$WORK/services-v2.yaml"
expect_eq "$KC_OUT" "rollout.argoproj.io/devops-toolkit configured
service/devops-toolkit configured
service/devops-toolkit-canary configured" "re-applied with a change: configured"
expect_true "the Rollout change went as a merge patch with fieldValidation=Strict" python3 - "$REQLOG" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r["method"] == "PATCH" and r["path"].endswith("/rollouts/devops-toolkit")
            and r["content_type"] == "application/merge-patch+json"
            and "fieldValidation=Strict" in r["query"]):
        sys.exit(0)
sys.exit(1)
EOF
req GET /apis/argoproj.io/v1alpha1/namespaces/production/rollouts/devops-toolkit
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["template"]["spec"]["containers"][0]["image"]')" \
	vfarcic/devops-toolkit:1c4f344 "the new image is stored"
req GET /api/v1/namespaces/production/services/devops-toolkit
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["ports"]')" \
	'[{"name":"web","port":80,"protocol":"TCP","targetPort":80}]' "the Service port renamed in place"

sed 's/name: devops-toolkit$/name: devops-toolkit-2/' "$T/analysis-template.yaml" >"$WORK/at2.yaml"
expect_kc 0 "kubectl create -f, validation on" create -f "$WORK/at2.yaml"
expect_eq "$KC_OUT" "analysistemplate.argoproj.io/devops-toolkit-2 created" "create prints created"
expect_kc 1 "kubectl create -f of an existing object" create -f "$WORK/at2.yaml"
expect_eq "$KC_ERR" 'Error from server (AlreadyExists): error when creating "'"$WORK"'/at2.yaml": analysistemplates.argoproj.io "devops-toolkit-2" already exists' \
	"create of an existing object: AlreadyExists"

# an unknown field: refused by the server under kubectl's Strict default
sed 's/^  replicas: 2$/  replicas: 2\n  foo: bar/; s/name: devops-toolkit$/name: strict-ro/' "$T/rollout.yaml" >"$WORK/bad.yaml"
expect_kc 1 "kubectl apply of a Rollout with an unknown field" apply -f "$WORK/bad.yaml"
expect_eq "$KC_ERR" 'Error from server (BadRequest): error when creating "'"$WORK"'/bad.yaml": Rollout in version "v1alpha1" cannot be handled as a Rollout: strict decoding error: unknown field "spec.foo"' \
	"Strict: kubectl prints the server's message"
expect_kc 1 "kubectl create of a Rollout with an unknown field" create -f "$WORK/bad.yaml"
expect_contains "$KC_ERR" 'strict decoding error: unknown field "spec.foo"' "create: the same message"
expect_kc 0 "kubectl apply --validate=warn" apply --validate=warn -f "$WORK/bad.yaml"
expect_eq "$KC_ERR/$KC_OUT" 'Warning: unknown field "spec.foo"/rollout.argoproj.io/strict-ro created' \
	"Warn: kubectl prints the server's warning and the object is created"
expect_kc 0 "kubectl apply --validate=ignore re-applies the same file" apply --validate=ignore -f "$WORK/bad.yaml"
expect_eq "$KC_ERR" "" "Ignore: no warning"
sed 's/^  replicas: 2$/  replicas: 3\n  foo: bar/' "$T/rollout.yaml" >"$WORK/bad2.yaml"
expect_kc 1 "kubectl apply of a change adding an unknown field" apply -f "$WORK/bad2.yaml"
expect_contains "$KC_ERR" 'The request is invalid' "Strict on a patch: Invalid"
expect_contains "$KC_ERR" ': strict decoding error: unknown field "spec.foo"' "Strict on a patch: the field named"
req GET /apis/argoproj.io/v1alpha1/namespaces/production/rollouts/devops-toolkit
expect_eq "$(printf '%s' "$BODY" | jval 'd["spec"]["replicas"]')" 2 "a refused patch changes nothing"

expect_kc 0 "kubectl get sees the applied objects" get rollouts,analysistemplates,virtualservices -n production -o name
expect_eq "$KC_OUT" "rollout.argoproj.io/devops-toolkit
rollout.argoproj.io/strict-ro
analysistemplate.argoproj.io/devops-toolkit
analysistemplate.argoproj.io/devops-toolkit-2
virtualservice.networking.istio.io/devops-toolkit" "kubectl get lists them"
expect_kc 0 "kubectl explain reads the published Rollout schema" explain rollout.spec.strategy.canary.trafficRouting.istio
expect_contains "$KC_OUT" "virtualService" "explain shows the CRD's fields"
finish
