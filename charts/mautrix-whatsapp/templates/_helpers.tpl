{{- define "mautrix.fullname" -}}
{{- if .Values.fullnameOverride -}}{{ .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-mautrix-whatsapp" .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- define "mautrix.selectorLabels" -}}
app.kubernetes.io/name: mautrix-whatsapp
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "mautrix.labels" -}}
{{ include "mautrix.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: parley
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "mautrix.image" -}}
{{- if .Values.image.digest -}}{{ printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest }}{{- else -}}{{ printf "%s/%s:%s" .Values.image.registry .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}{{- end -}}
{{- end -}}
{{- define "mautrix.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 1337
runAsGroup: 1337
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
{{- define "mautrix.url" -}}
http://{{ include "mautrix.fullname" . }}:{{ .Values.service.port }}
{{- end -}}
{{/* The homeserver's server_name: the umbrella's global.serverName wins. */}}
{{- define "mautrix.domain" -}}
{{- (.Values.global | default dict).serverName | default .Values.homeserver.domain -}}
{{- end -}}
