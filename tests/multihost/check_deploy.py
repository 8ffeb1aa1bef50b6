#!/usr/bin/env python3
"""The Kubernetes manifests of deploy/, checked offline as far as this machine
allows: each file parses (python3-yaml), has the fields its kind needs, and the
files agree with each other and with bench:

  - every object has apiVersion, kind, metadata.name; the kinds are the ones we
    ship (ConfigMap, PersistentVolumeClaim, Job);
  - the load Job is Indexed, parallelism == completions == the ConfigMap's
    SHARDS, and its args give bench load --shard from the completion index,
    --start-at and --out under the shared volume;
  - every volumeMount names a volume of its pod, every pod mounts the one
    results claim, and that claim exists and is ReadWriteMany;
  - securityContext.privileged is true on the trace pod only, which also has
    hostPID and is pinned to the target's node;
  - every option the args pass is one `bench load --help` lists (when BENCH is
    given), so a renamed flag breaks this test and not a cluster run;
  - the Containerfile starts from Debian bookworm and runs scripts/deps.sh.

`kubectl apply --dry-run=client` would be the next step, but kubectl needs an
API server for discovery even then (it maps each kind through the server), so
it is tried only against a cluster KUBECONFIG already points at, and skipped
with the reason otherwise. Exit 77 without python3-yaml.
"""
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)


def mutants(deploy, bench):
    """The checker must fail on each of these copies of deploy/, or it checks
    nothing: each mutation is one mistake it claims to catch."""
    import tempfile
    cases = [
        ("load-job.yaml", "parallelism: 4", "parallelism: 3"),
        ("load-job.yaml", "completionMode: Indexed", "completionMode: NonIndexed"),
        ("load-job.yaml", "--shard=$(INDEX)/$(SHARDS)", "--shard=$(IDX)/$(SHARDS)"),
        ("load-job.yaml", "- --quiet", "- --quiet\n            - --no-such-flag"),
        ("merge-job.yaml", "command: [", "securityContext: {privileged: true}\n          command: ["),
        ("trace-job.yaml", "hostPID: true", "hostPID: false"),
        ("trace-job.yaml", "- {name: results, mountPath: /results}", "- {name: other, mountPath: /results}"),
        ("results-pvc.yaml", "[ReadWriteMany]", "[ReadWriteOnce]"),
        ("run-config.yaml", 'SHARDS: "4"', 'SHARDS: "5"'),
    ]
    bad = 0
    for f, old, new in cases:
        with tempfile.TemporaryDirectory() as t:
            for n in os.listdir(deploy):
                shutil.copy(os.path.join(deploy, n), t)
            p = os.path.join(t, f)
            text = open(p).read()
            assert old in text, (f, old)
            open(p, "w").write(text.replace(old, new, 1))
            r = subprocess.run([sys.executable, __file__, t] + ([bench] if bench else []),
                               capture_output=True, text=True)
            caught = r.returncode == 1 and "FAIL:" in r.stdout
            print(f"mutant {f}: {old!r} -> {new.splitlines()[0]!r}: {'caught' if caught else 'MISSED'}")
            bad += not caught
    return bad


if len(sys.argv) > 1 and sys.argv[1] == "--mutants":
    sys.exit(1 if mutants(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None) else 0)

deploy = sys.argv[1]
bench = sys.argv[2] if len(sys.argv) > 2 else None
errors = []


def err(msg):
    errors.append(msg)


docs = []
for name in sorted(os.listdir(deploy)):
    if not name.endswith((".yaml", ".yml")):
        continue
    with open(os.path.join(deploy, name)) as f:
        for d in yaml.safe_load_all(f):
            if d is not None:
                docs.append((name, d))

by_kind = {}
for name, d in docs:
    for k in ("apiVersion", "kind"):
        if k not in d:
            err(f"{name}: no {k}")
    if not d.get("metadata", {}).get("name"):
        err(f"{name}: no metadata.name")
    want = {"ConfigMap": "v1", "PersistentVolumeClaim": "v1", "Job": "batch/v1"}
    kind = d.get("kind")
    if kind not in want:
        err(f"{name}: unexpected kind {kind}")
    elif d.get("apiVersion") != want[kind]:
        err(f"{name}: {kind} is {want[kind]}, not {d.get('apiVersion')}")
    by_kind.setdefault(kind, []).append((name, d))

config = {}
for name, d in by_kind.get("ConfigMap", []):
    config.update({k: str(v) for k, v in (d.get("data") or {}).items()})
claims = {}
for name, d in by_kind.get("PersistentVolumeClaim", []):
    claims[d["metadata"]["name"]] = d
    if "ReadWriteMany" not in d.get("spec", {}).get("accessModes", []):
        err(f"{name}: the results claim must be ReadWriteMany (generators on many nodes)")

jobs = {d["metadata"]["name"]: (name, d) for name, d in by_kind.get("Job", [])}
for want in ("asyncscope-load", "asyncscope-trace", "asyncscope-merge"):
    if want not in jobs:
        err(f"no Job {want}")

privileged_pods = []
for jname, (name, d) in jobs.items():
    spec = d.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        err(f"{name}: a Job's pods need restartPolicy Never or OnFailure")
    if spec.get("parallelism") != spec.get("completions"):
        err(f"{name}: parallelism {spec.get('parallelism')} != completions {spec.get('completions')}")
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    results = [v for v in vols.values() if v.get("persistentVolumeClaim", {}).get("claimName") in claims]
    if len(results) != 1:
        err(f"{name}: does not mount the results claim {list(claims)}")
    for c in pod.get("containers", []):
        mounts = c.get("volumeMounts", [])
        for m in mounts:
            if m["name"] not in vols:
                err(f"{name}: container {c['name']} mounts undeclared volume {m['name']}")
        if not any(m.get("mountPath") == "/results" for m in mounts):
            err(f"{name}: container {c['name']} has no /results")
        if c.get("securityContext", {}).get("privileged"):
            privileged_pods.append(jname)
        refs = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
        for r in refs:
            if r not in {d2["metadata"]["name"] for _, d2 in by_kind.get("ConfigMap", [])}:
                err(f"{name}: envFrom names ConfigMap {r}, which deploy/ does not define")
        # $(VAR) in args must be defined (env or the ConfigMap), or Kubernetes
        # passes the text through unexpanded.
        defined = {e["name"] for e in c.get("env", [])} | (set(config) if refs else set())
        for a in c.get("args", []) + c.get("command", []):
            for v in re.findall(r"\$\((\w+)\)", a):
                if v not in defined:
                    err(f"{name}: $({v}) in the args is not defined")
            for v in re.findall(r'"\$([A-Z_]+)"', a):  # shell locals are lowercase
                if v not in defined:
                    err(f"{name}: ${v} in the shell command is not defined")
    if jname == "asyncscope-trace":
        if not pod.get("hostPID"):
            err(f"{name}: the trace pod needs hostPID to see the target")
        if not pod.get("nodeSelector") and not pod.get("affinity", {}).get("nodeAffinity"):
            err(f"{name}: the trace pod must be pinned to the target's node")

if privileged_pods != ["asyncscope-trace"]:
    err(f"privileged pods: {privileged_pods}, want the trace pod alone")

load = jobs.get("asyncscope-load", (None, {}))[1]
if load:
    spec = load["spec"]
    if spec.get("completionMode") != "Indexed":
        err("the load Job must be completionMode: Indexed")
    if str(spec.get("completions")) != config.get("SHARDS"):
        err(f"the load Job's completions {spec.get('completions')} != SHARDS {config.get('SHARDS')}")
    c = spec["template"]["spec"]["containers"][0]
    args = c.get("args", [])
    env = {e["name"]: e for e in c.get("env", [])}
    idx = env.get("INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
    if "job-completion-index" not in idx:
        err("the load pods' INDEX is not the Job's completion index")
    if args[:1] != ["load"]:
        err(f"the load pods run {args[:1]}, not bench load")
    for flag in ("--shard=$(INDEX)/$(SHARDS)", "--start-at=$(START_AT)", "--out=/results/load-$(INDEX)"):
        if flag not in args:
            err(f"the load pods' args lack {flag}")
    if bench:
        usage = subprocess.run([bench, "load", "--help"], capture_output=True, text=True).stdout
        for a in args[1:]:
            if a.startswith("--"):
                opt = a.split("=")[0]
                if not re.search(r"(^|\s|,\s)" + re.escape(opt) + r"\b", usage):
                    err(f"the load pods pass {opt}, which bench load --help does not list")
    if config.get("START_AT") != "0":
        err("run-config.yaml ships START_AT \"0\" (refused by --start-at until set)")

with open(os.path.join(deploy, "Containerfile")) as f:
    cf = f.read()
if not re.search(r"^FROM debian:bookworm", cf, re.M):
    err("Containerfile: not FROM debian:bookworm")
if "scripts/deps.sh" not in cf:
    err("Containerfile: does not run scripts/deps.sh")

for e in errors:
    print("FAIL:", e)
print(f"{len(docs)} objects in {deploy}: {'ok' if not errors else f'{len(errors)} problems'}")

kubectl = shutil.which("kubectl")
if not kubectl:
    print("kubectl dry-run: skipped, kubectl is not installed")
elif not os.environ.get("KUBECONFIG") and not os.path.exists(os.path.expanduser("~/.kube/config")):
    # Without a config kubectl would ask http://localhost:8080, where a target
    # of ours may well be listening.
    print("kubectl dry-run: skipped, no cluster configured (KUBECONFIG); kubectl apply "
          "--dry-run=client needs the API server's discovery to map each kind")
else:
    probe = subprocess.run([kubectl, "version", "--request-timeout=5s"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
    if probe.returncode != 0:
        print("kubectl dry-run: skipped, no cluster to ask (kubectl apply --dry-run=client still "
              "needs the API server's discovery to map each kind)")
    else:
        r = subprocess.run([kubectl, "apply", "--dry-run=client", "-f", deploy], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        print(r.stdout + r.stderr)
        if r.returncode != 0:
            errors.append("kubectl apply --dry-run=client failed")
sys.exit(1 if errors else 0)
