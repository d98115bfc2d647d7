{{/* Names and labels shared by the Parley service charts. */}}
{{- define "parley-lib.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "parley-lib.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "parley-lib.labels" -}}
{{ include "parley-lib.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: parley
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The ServiceAccount the pods run as: the chart's own, or the one named in serviceAccount.name. */}}
{{- define "parley-lib.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "parley-lib.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "parley-lib.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s/%s@%s" .Values.image.registry .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Env vars every Parley service reads. */}}
{{- define "parley-lib.commonEnv" -}}
- name: PARLEY_HTTP_HOST
  value: "0.0.0.0"
- name: PARLEY_HTTP_PORT
  value: {{ .Values.service.port | quote }}
- name: PARLEY_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: PARLEY_KAFKA_BROKERS
  value: {{ tpl (required "kafka.brokers is required (Kafka bootstrap servers, comma-separated)" (include "parley-lib.kafkaBrokers" .)) . | quote }}
- name: PARLEY_KAFKA_CREATE_TOPICS
  value: {{ .Values.kafka.createTopics | quote }}
{{- with .Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ $.Chart.Name | quote }}
{{- end }}
{{- range $name, $value := .Values.config }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Kafka bootstrap servers: the umbrella's global.kafkaBrokers wins over the chart's kafka.brokers. */}}
{{- define "parley-lib.kafkaBrokers" -}}
{{- (.Values.global | default dict).kafkaBrokers | default .Values.kafka.brokers -}}
{{- end -}}
