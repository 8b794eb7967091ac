#!/bin/bash
# kr-create: kubectl-rollouts create -f and create analysisrun against
# rollouts-sim (its controller on a manual clock): each kind the plugin
# creates, visible through the API (and to kubectl when installed); the
# plugin's strict decoding (exit 8, its messages); other kinds refused;
# create analysisrun --from and --from-file with argument resolution and
# the plugin's errors; --dry-run sends nothing; -w ends when the created
# rollout is Healthy.
. "$(dirname "$0")/lib.sh"

KR=${KUBECTL_ROLLOUTS:?KUBECTL_ROLLOUTS is not set}
FX=$FIXTURES/create
T=$FIXTURES/tutorial
NS=/apis/argoproj.io/v1alpha1/namespaces/production
export PDKIT_NOW=2026-01-08T00:00:00Z
unset NO_COLOR KUBECONFIG
E2E_CONTROLLER=1 start_sim --clock manual

kr() {
	KUBECONFIG=$KUBECONFIG_FILE "$KR" --no-color "$@"
}
mark() {
	MARK=$(wc -l <"$REQLOG")
}
# posts: the POSTs since the mark, "PATH" a line
posts() {
	tail -n +"$((MARK + 1))" "$REQLOG" | jlines 'd["method"] + " " + d["path"]' | grep '^POST ' || true
}
# field PATH EXPR: EXPR over the object at PATH, read through curl
field() {
	req GET "$1"
	printf '%s' "$BODY" | jval "$2"
}

req_json POST /api/v1/namespaces application/json '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"production"}}'
expect_eq "$CODE" 201 "create the production namespace"

# ------------------------------------------------------------ create -f
mark
expect_exit 0 kr create -f "$T/analysis-template.yaml" -f "$FX/experiment.yaml" \
	-f "$FX/cluster-analysis-template.yaml" -f "$FX/analysis-run.json"
ar_name=$(printf '%s\n' "$OUT" | sed -n 's|^analysisrun.argoproj.io/\(.*\) created$|\1|p')
expect_eq "$(printf '%s\n' "$OUT" | sed 's|manual-check-[a-z0-9]*|manual-check-X|')" \
"analysistemplate.argoproj.io/devops-toolkit created
experiment.argoproj.io/canary-vs-baseline created
analysistemplate.argoproj.io/always-pass created
analysisrun.argoproj.io/manual-check-X created" \
	"one line per file; a ClusterAnalysisTemplate printed as analysistemplate (the plugin's words)"
expect_eq "$ERR" "" "nothing on stderr"
expect_eq "$(posts)" "POST $NS/analysistemplates
POST $NS/experiments
POST /apis/argoproj.io/v1alpha1/clusteranalysistemplates
POST $NS/analysisruns" "one POST per file, in order, each at its kind's path"
expect_eq "$(field "$NS/analysistemplates/devops-toolkit" 'd["spec"]["args"]')" '[{"name":"service-name"}]' \
	"the AnalysisTemplate is stored"
expect_eq "$(field "$NS/experiments/canary-vs-baseline" '[t["name"] for t in d["spec"]["templates"]]')" '["baseline","canary"]' \
	"the Experiment is stored"
expect_eq "$(field /apis/argoproj.io/v1alpha1/clusteranalysistemplates/always-pass 'd["metadata"]["name"]')" always-pass \
	"the ClusterAnalysisTemplate is stored, cluster-scoped"
expect_eq "$(field "$NS/analysisruns/$ar_name" 'd["metadata"]["generateName"]')" manual-check- \
	"the AnalysisRun got its generated name ($ar_name)"

# the namespace: metadata.namespace, else -n
mark
expect_exit 0 kr create -f "$FX/template-no-args.yaml" -n production
expect_eq "$OUT/$(posts)" "analysistemplate.argoproj.io/no-args created/POST $NS/analysistemplates" \
	"a file without metadata.namespace goes to -n"

# strict decoding as the plugin's: YAML names the first field in byte order
mark
expect_exit 8 kr create -f "$FX/bad-unknown.yaml"
expect_eq "$ERR" "kubectl-rollouts: error: '$FX/bad-unknown.yaml': error unmarshaling JSON: while decoding JSON: json: unknown field \"canaryWeight\" (at spec.strategy.canary.canaryWeight)" \
	"YAML: sigs.k8s.io/yaml's message for the first unknown field"
expect_exit 8 kr create -f "$FX/bad-unknown.json" -n production
expect_eq "$ERR" "kubectl-rollouts: error: '$FX/bad-unknown.json': json: unknown field \"replicaz\" (at spec.templates[0].replicaz)" \
	"JSON: encoding/json's message"
expect_exit 8 kr create -f "$T/rollout.yaml" -f "$FX/bad-unknown.yaml"
expect_eq "$OUT" "" "a rejected file among several: nothing created"
expect_exit 8 kr create -f "$FX/deployment.yaml" -n production
expect_eq "$ERR" "kubectl-rollouts: error: creates of apps/Deployment unsupported" "another kind: the plugin's message"
expect_exit 8 kr create -f "$T/services.yaml"
expect_eq "$ERR" "kubectl-rollouts: error: creates of /Service unsupported" "a core kind: group empty, as the plugin prints it"
expect_exit 8 kr create -f "$WORK/nope.yaml"
expect_eq "$ERR" "kubectl-rollouts: error: open $WORK/nope.yaml: no such file or directory" "a missing file"
expect_eq "$(posts)" "" "no POST for any refused file"
expect_exit 2 kr create
expect_contains "$ERR" 'required flag "filename" not set' "create without -f: usage"
expect_exit 2 kr create -f "$T/rollout.yaml" -f "$FX/experiment.yaml" -w
expect_eq "$ERR" "kubectl-rollouts: error: Cannot watch multiple resources" "-w with two files"
expect_exit 2 kr create -f "$FX/template-no-args.yaml" -w -n production
expect_eq "$ERR" "kubectl-rollouts: error: Can only watch resources of type Rollout or Experiment" "-w on a template"
expect_exit 4 kr create -f "$FX/experiment.yaml"
expect_contains "$ERR" 'experiments.argoproj.io "canary-vs-baseline" already exists' "an existing object: the server's 409"

# --dry-run: the request printed, nothing sent
mark
expect_exit 0 kr create -f "$T/rollout.yaml" --dry-run
expect_eq "$(printf '%s\n' "$OUT" | head -n 2)" "POST $NS/rollouts
Content-Type: application/json" "--dry-run prints the POST"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 4p | jval '[d["kind"], d["metadata"]["name"], d["spec"]["strategy"]["canary"]["steps"][0]]')" \
	'["Rollout","devops-toolkit",{"setWeight":10}]' "--dry-run prints the object"
expect_eq "$(tail -n +"$((MARK + 1))" "$REQLOG")" "" "--dry-run sent no request at all"

# -w: the created rollout watched until it is Healthy (manual clock)
mark
KUBECONFIG=$KUBECONFIG_FILE timeout 60 "$KR" --no-color create -f "$T/rollout.yaml" -w --exit-on-complete \
	>"$WORK/w.out" 2>"$WORK/w.err" &
wpid=$!
E2E_BG="$E2E_BG $wpid"
expect_true "-w watches the created rollout" wait_until 20 reqlog_has GET $NS/rollouts "watch=true"
advance 30s
bg_end "$wpid"
expect_eq "$BG_RC" 0 "-w --exit-on-complete ended with the rollout Healthy"
expect_eq "$(head -n 1 "$WORK/w.out")" "rollout.argoproj.io/devops-toolkit created" "-w prints the created line first"
expect_contains "$(cat "$WORK/w.out")" "Status:          ✔ Healthy" "-w shows the rollout view, Healthy at the end"
expect_eq "$(field "$NS/rollouts/devops-toolkit" 'd["status"]["phase"]')" Healthy "the rollout is Healthy"

# ---------------------------------------------------- create analysisrun
expect_exit 2 kr create analysisrun -n production
expect_eq "$ERR" "kubectl-rollouts: error: one of --from or --from-file must be specified" "no source"
expect_exit 2 kr create analysisrun -n production --from devops-toolkit --from-file "$T/analysis-template.yaml"
expect_eq "$ERR" "kubectl-rollouts: error: one of --from or --from-file must be specified" "two sources"
expect_exit 2 kr create ar -n production --from devops-toolkit -a bad-syntax
expect_eq "$ERR" "kubectl-rollouts: error: arguments must be in the form NAME=VALUE" "an argument without ="
mark
expect_exit 8 kr create analysisrun -n production --from devops-toolkit
expect_eq "$ERR" "kubectl-rollouts: error: args.service-name was not resolved" "an arg without a value"
expect_exit 3 kr create analysisrun -n production --from nope
expect_eq "$ERR" 'kubectl-rollouts: error: analysistemplates.argoproj.io "nope" not found' "a missing template"
expect_exit 3 kr create analysisrun --global --from nope
expect_eq "$ERR" 'kubectl-rollouts: error: clusteranalysistemplates.argoproj.io "nope" not found' "a missing cluster template"
expect_exit 8 kr create analysisrun -n production --from-file "$FX/template-no-name.yaml"
expect_eq "$ERR" "kubectl-rollouts: error: name is invalid" "a template without a name, no --name"
expect_eq "$(posts)" "" "no run created by any of these"

expect_exit 0 kr create analysisrun -n production --from devops-toolkit -a service-name=canary.production -a ignored=1
run=$(printf '%s' "$OUT" | sed -n 's|^analysisrun.argoproj.io/\(.*\) created$|\1|p')
expect_contains "$run" devops-toolkit- "--from: named from the template's generateName ($run)"
expect_eq "$(field "$NS/analysisruns/$run" '[d["kind"], d["metadata"]["generateName"], d["spec"]["args"], d["spec"]["metrics"][0]["name"]]')" \
	'["AnalysisRun","devops-toolkit-",[{"name":"service-name","value":"canary.production"}],"success-rate"]' \
	"--from: the template's metrics, its args resolved, an -a it does not have ignored"
expect_exit 0 kr create ar -n production --from-file "$FX/template-no-args.yaml" -a foo=bar --name my-run --instance-id test
expect_eq "$OUT" "analysisrun.argoproj.io/my-run created" "--from-file --name"
expect_eq "$(field "$NS/analysisruns/my-run" '[d["spec"]["args"], d["metadata"]["labels"]]')" \
	'[[{"name":"foo","value":"bar"}],{"argo-rollouts.argoproj.io/controller-instance-id":"test"}]' \
	"a template without args takes the -a values; --instance-id is the run's one label"
expect_exit 0 kr create ar -n production --global --from always-pass -a foo=x --generate-name pass-
expect_contains "$OUT" "analysisrun.argoproj.io/pass-" "--global --from a ClusterAnalysisTemplate with --generate-name"
mark
expect_exit 0 kr create ar -n production --from devops-toolkit -a service-name=x --name dry --dry-run
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "POST $NS/analysisruns" "--dry-run prints the run's POST"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 4p | jval '[d["metadata"]["name"], d["spec"]["args"]]')" \
	'["dry",[{"name":"service-name","value":"x"}]]' "--dry-run prints the run"
expect_eq "$(posts)" "" "--dry-run created nothing (the template was read)"

# the real kubectl sees what was created
if need_kubectl_ok; then
	expect_kc 0 "kubectl get the created objects" get rollouts,experiments,analysistemplates,analysisruns \
		-n production -o name
	expect_eq "$(printf '%s\n' "$KC_OUT" | grep -v '^analysisrun.argoproj.io/' | sort)" \
"analysistemplate.argoproj.io/devops-toolkit
analysistemplate.argoproj.io/no-args
experiment.argoproj.io/canary-vs-baseline
rollout.argoproj.io/devops-toolkit" "kubectl lists the rollout, experiment and templates"
	expect_contains "$KC_OUT" "analysisrun.argoproj.io/my-run" "kubectl lists the runs"
	expect_kc 0 "kubectl get the cluster template" get clusteranalysistemplates -o name
	expect_eq "$KC_OUT" "clusteranalysistemplate.argoproj.io/always-pass" "kubectl sees the ClusterAnalysisTemplate"
else
	echo "# kubectl checks skipped: $KUBECTL_WHY"
fi
finish
