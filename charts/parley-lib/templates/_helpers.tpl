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
{{- include "parley-lib.kafkaSecurityEnv" . }}
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

{{/* Kafka TLS and SASL: the umbrella's global.kafkaSecurity wins over the chart's kafka.security. */}}
{{- define "parley-lib.kafkaSecurity" -}}
{{- toYaml ((.Values.global | default dict).kafkaSecurity | default (.Values.kafka.security | default dict)) -}}
{{- end -}}

{{/* The security env: files mounted from existing Secrets (kafkaSecurityVolumes), never a value in the manifest. */}}
{{- define "parley-lib.kafkaSecurityEnv" -}}
{{- $s := fromYaml (include "parley-lib.kafkaSecurity" .) -}}
{{- $protocol := $s.protocol | default "PLAINTEXT" }}
- name: PARLEY_KAFKA_SECURITY_PROTOCOL
  value: {{ $protocol | quote }}
{{- if and (has $protocol (list "SSL" "SASL_SSL")) ($s.caSecret | default dict).name }}
- name: PARLEY_KAFKA_SSL_CA_FILE
  value: /etc/parley/kafka/ca/ca.pem
{{- end }}
{{- if and (has $protocol (list "SSL" "SASL_SSL")) ($s.clientCertSecret | default dict).name }}
- name: PARLEY_KAFKA_SSL_CERT_FILE
  value: /etc/parley/kafka/client/cert.pem
- name: PARLEY_KAFKA_SSL_KEY_FILE
  value: /etc/parley/kafka/client/key.pem
{{- end }}
{{- if has $protocol (list "SASL_PLAINTEXT" "SASL_SSL") }}
{{- $sasl := $s.sasl | default dict }}
- name: PARLEY_KAFKA_SASL_MECHANISM
  value: {{ $sasl.mechanism | default "SCRAM-SHA-512" | quote }}
- name: PARLEY_KAFKA_SASL_USERNAME
  value: {{ tpl (required "kafka.security.sasl.username is required with a SASL protocol" $sasl.username) . | quote }}
- name: PARLEY_KAFKA_SASL_PASSWORD_FILE
  value: /etc/parley/kafka/sasl/password
{{- end }}
{{- end -}}

{{/* Volumes for kafkaSecurityEnv's files, as a YAML list (empty when plaintext). */}}
{{- define "parley-lib.kafkaSecurityVolumes" -}}
{{- $s := fromYaml (include "parley-lib.kafkaSecurity" .) -}}
{{- $protocol := $s.protocol | default "PLAINTEXT" -}}
{{- $volumes := list -}}
{{- $ca := $s.caSecret | default dict -}}
{{- if and (has $protocol (list "SSL" "SASL_SSL")) $ca.name -}}
{{- $volumes = append $volumes (dict "name" "kafka-ca" "mountPath" "/etc/parley/kafka/ca" "secret" (dict "secretName" (tpl $ca.name .) "items" (list (dict "key" ($ca.key | default "ca.crt") "path" "ca.pem")))) -}}
{{- end -}}
{{- $client := $s.clientCertSecret | default dict -}}
{{- if and (has $protocol (list "SSL" "SASL_SSL")) $client.name -}}
{{- $volumes = append $volumes (dict "name" "kafka-client" "mountPath" "/etc/parley/kafka/client" "secret" (dict "secretName" (tpl $client.name .) "items" (list (dict "key" ($client.certKey | default "user.crt") "path" "cert.pem") (dict "key" ($client.keyKey | default "user.key") "path" "key.pem")))) -}}
{{- end -}}
{{- if has $protocol (list "SASL_PLAINTEXT" "SASL_SSL") -}}
{{- $password := ($s.sasl | default dict).passwordSecret | default dict -}}
{{- $volumes = append $volumes (dict "name" "kafka-sasl" "mountPath" "/etc/parley/kafka/sasl" "secret" (dict "secretName" (tpl (required "kafka.security.sasl.passwordSecret.name is required with a SASL protocol" $password.name) .) "items" (list (dict "key" ($password.key | default "password") "path" "password")))) -}}
{{- end -}}
{{- toYaml $volumes -}}
{{- end -}}
