{{/*
Credentials that no value and no existing Secret gives are created once, in the cluster, by a hook Job
(the ess-helm way), never by the template: under `helm template`, Argo CD or Flux nothing can be looked
up at render time, and a random value in a template changes on every render.

Call with (dict "context" $ "secrets" (list (dict "name" "<secret>" "generate" (dict "<key>" "token|localpart")
"files" (dict "<key>" "<text with @@key@@ placeholders>")))). Renders nothing when the list is empty.
The Job adds the keys a Secret lacks and never changes one it has; files are made from the keys again on
every run, so a changed URL or namespace reaches a registration while its tokens stay.
*/}}
{{- define "parley-lib.initSecrets" -}}
{{- $ := .context -}}
{{- if .secrets }}
{{- $name := printf "%s-init-secrets" (include "parley-lib.fullname" $) | trunc 63 | trimSuffix "-" }}
{{- $names := list }}
{{- range .secrets }}{{ $names = append $names .name }}{{ end }}
{{- $settings := $.Values.initSecrets }}
{{- $image := $settings.image }}
{{- $plan := dict "secrets" .secrets "labels" (dict "app.kubernetes.io/part-of" "parley" "app.kubernetes.io/instance" $.Release.Name "app.kubernetes.io/created-by" $name) }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
  annotations:
    {{- include "parley-lib.initSecrets.hook" "-10" | nindent 4 }}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
  annotations:
    {{- include "parley-lib.initSecrets.hook" "-10" | nindent 4 }}
rules:
  # Kubernetes cannot limit create to names; reading and changing are limited to this chart's Secrets.
  - { apiGroups: [""], resources: [secrets], verbs: [create] }
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: {{ toJson $names }}
    verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
  annotations:
    {{- include "parley-lib.initSecrets.hook" "-10" | nindent 4 }}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ $name }} }
subjects:
  - { kind: ServiceAccount, name: {{ $name }}, namespace: {{ $.Release.Namespace }} }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
  annotations:
    {{- include "parley-lib.initSecrets.hook" "-10" | nindent 4 }}
data:
  plan.json: {{ toJson $plan | quote }}
  init_secrets.py: |
    {{- include "parley-lib.initSecrets.script" . | nindent 4 }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
  annotations:
    {{- include "parley-lib.initSecrets.hook" "0" | nindent 4 }}
spec:
  backoffLimit: 6
  activeDeadlineSeconds: 600
  template:
    metadata:
      # Not the chart's selector labels: its NetworkPolicy and PodDisruptionBudget are not for this pod.
      labels:
        app.kubernetes.io/name: {{ $name }}
        app.kubernetes.io/instance: {{ $.Release.Name }}
        app.kubernetes.io/component: init-secrets
    spec:
      restartPolicy: OnFailure
      serviceAccountName: {{ $name }}
      # The API token comes through the projected volume below, to this container only.
      automountServiceAccountToken: false
      securityContext:
        {{- toYaml $settings.podSecurityContext | nindent 8 }}
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: init-secrets
          image: {{ ternary (printf "%s/%s@%s" $image.registry $image.repository $image.digest) (printf "%s/%s:%s" $image.registry $image.repository $image.tag) (not (empty $image.digest)) | quote }}
          imagePullPolicy: {{ $image.pullPolicy }}
          command: [python3, -B, /plan/init_secrets.py, --plan, /plan/plan.json]
          env:
            - { name: PYTHONDONTWRITEBYTECODE, value: "1" }
          securityContext:
            {{- toYaml $settings.securityContext | nindent 12 }}
          resources:
            {{- toYaml $settings.resources | nindent 12 }}
          volumeMounts:
            - { name: plan, mountPath: /plan, readOnly: true }
            - { name: api-access, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true }
      volumes:
        - name: plan
          configMap: { name: {{ $name }} }
        - name: api-access
          projected:
            sources:
              - serviceAccountToken: { path: token, expirationSeconds: 3607 }
              - configMap: { name: kube-root-ca.crt, items: [{ key: ca.crt, path: ca.crt }] }
              - downwardAPI: { items: [{ path: namespace, fieldRef: { fieldPath: metadata.namespace } }] }
{{- end }}
{{- end -}}

{{- define "parley-lib.initSecrets.hook" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* The Job's program: Python's standard library only, so any python3 image runs it. */}}
{{- define "parley-lib.initSecrets.script" -}}
"""Adds the credentials a chart's Secrets lack, once; never changes one that exists.

  init_secrets.py --plan plan.json                          in the cluster (the hook Job)
  init_secrets.py --plan plan.json --existing current.json  offline: prints what it would write

Logs name Secrets and keys, never a value.
"""
import argparse
import base64
import json
import os
import re
import secrets
import ssl
import string
import sys
import urllib.error
import urllib.request

ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
KINDS = {
    "token": (string.ascii_letters + string.digits, 48),
    "localpart": (string.ascii_lowercase + string.digits, 16),
}
PLACEHOLDER = re.compile(r"@@([A-Za-z0-9_]+)@@")


def generate(kind):
    alphabet, length = KINDS[kind]
    return "".join(secrets.choice(alphabet) for _ in range(length))


def changes(spec, existing):
    """The keys to write into one Secret, given its decoded data (None when it does not exist)."""
    current = dict(existing or {})
    write = {}
    for key, kind in spec.get("generate", {}).items():
        if key not in current:
            current[key] = write[key] = generate(kind)
    for key, template in spec.get("files", {}).items():
        text = PLACEHOLDER.sub(lambda m: current[m.group(1)], template)
        if current.get(key) != text:
            write[key] = text
    return write


def log(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


class ApiError(Exception):
    pass


class Api:
    def __init__(self):
        host = os.environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        self.base = "https://%s:%s" % ("[%s]" % host if ":" in host else host, port)
        with open(ACCOUNT + "/namespace") as f:
            self.namespace = f.read().strip()
        with open(ACCOUNT + "/token") as f:
            self.token = f.read().strip()
        self.tls = ssl.create_default_context(cafile=ACCOUNT + "/ca.crt")

    def call(self, method, name=None, body=None, content_type="application/json"):
        path = "/api/v1/namespaces/%s/secrets%s" % (self.namespace, "/" + name if name else "")
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + self.token, "Content-Type": content_type, "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self.tls, timeout=30) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            if error.code in (404, 409):
                return error.code, None
            raise ApiError("%s %s: %s %s" % (method, path, error.code, error.read().decode(errors="replace")[:500]))


def encode(data):
    return {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}


def ensure(api, spec, labels):
    name = spec["name"]
    for _ in range(5):
        status, secret = api.call("GET", name)
        if status == 404:
            data = changes(spec, None)
            body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": encode(data),
                    "metadata": {"name": name, "labels": labels}}
            if api.call("POST", body=body)[0] == 409:
                continue  # made meanwhile by another run: read it again
            return log(secret=name, action="created", keys=sorted(data))
        current = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        data = changes(spec, current)
        if not data:
            return log(secret=name, action="unchanged")
        if api.call("PATCH", name, {"data": encode(data)}, "application/merge-patch+json")[0] == 404:
            continue  # deleted meanwhile: make it again
        return log(secret=name, action="added", keys=sorted(data))
    raise ApiError("%s: created and gone again five times" % name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--existing", help="JSON {secret: {key: value}} instead of the cluster")
    args = parser.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    if args.existing is not None:
        with open(args.existing) as f:
            existing = json.load(f)
        print(json.dumps({s["name"]: changes(s, existing.get(s["name"])) for s in plan["secrets"]}))
        return 0
    api = Api()
    try:
        for spec in plan["secrets"]:
            ensure(api, spec, plan["labels"])
    except (ApiError, OSError) as error:
        log(action="failed", error=str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
{{- end -}}
