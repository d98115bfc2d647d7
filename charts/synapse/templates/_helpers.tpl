{{/* Names, labels and the image come from parley-lib; what is particular to this chart is here. */}}
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
