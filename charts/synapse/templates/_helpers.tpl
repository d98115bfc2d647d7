{{- define "synapse.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-synapse" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- define "synapse.selectorLabels" -}}
app.kubernetes.io/name: synapse
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "synapse.labels" -}}
{{ include "synapse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: parley
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "synapse.image" -}}
{{- if .Values.image.digest -}}{{ printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest }}{{- else -}}{{ printf "%s/%s:%s" .Values.image.registry .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}{{- end -}}
{{- end -}}
{{- define "synapse.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 991
runAsGroup: 991
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{/* server_name: the umbrella's global.serverName wins. */}}
{{- define "synapse.serverName" -}}
{{- (.Values.global | default dict).serverName | default .Values.serverName -}}
{{- end -}}
