{{/* Names, labels and the image come from parley-lib; what is particular to this chart is here. */}}
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
http://{{ include "parley-lib.fullname" . }}:{{ .Values.service.port }}
{{- end -}}
{{/* The homeserver's server_name: the umbrella's global.serverName wins. */}}
{{- define "mautrix.domain" -}}
{{- (.Values.global | default dict).serverName | default .Values.homeserver.domain -}}
{{- end -}}
