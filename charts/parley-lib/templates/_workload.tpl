{{/*
The Deployment of a Parley service. Call with (dict "ctx" $ "env" <list> "volumes" <list>
"volumeMounts" <list> "checksum" <string>): lists of env entries, volumes and mounts as structures,
rendered with toYaml; env is added to the common env. Probes, security contexts, labels, annotations
and topology spread come from the values.
*/}}
{{- define "parley-lib.deployment" -}}
{{- $ := .ctx -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "parley-lib.fullname" $ }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
spec:
  {{- if not (or $.Values.autoscaling.enabled ($.Values.keda | default dict).enabled) }}
  replicas: {{ $.Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "parley-lib.selectorLabels" $ | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "parley-lib.labels" $ | nindent 8 }}
        {{- with $.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ .checksum | default "" | sha256sum }}
        {{- with $.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "parley-lib.serviceAccountName" $ }}
      # The services never call the Kubernetes API.
      automountServiceAccountToken: false
      {{- with $.Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # Long enough for the service's drain (PARLEY_DRAIN_TIMEOUT_MS) after SIGTERM.
      terminationGracePeriodSeconds: {{ $.Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $.Chart.Name }}
          image: {{ include "parley-lib.image" $ | quote }}
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          {{- with $.Values.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $.Values.service.port }}
              protocol: TCP
          env:
            {{- include "parley-lib.commonEnv" $ | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- range $probe := list "livenessProbe" "readinessProbe" "startupProbe" }}
          {{- with index $.Values $probe }}
          {{ $probe }}:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- end }}
          resources:
            {{- toYaml $.Values.resources | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- range fromYamlArray (include "parley-lib.kafkaSecurityVolumes" $) }}
            - name: {{ .name }}
              mountPath: {{ .mountPath }}
              readOnly: true
            {{- end }}
            {{- with .volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        # The root filesystem is read-only; Node and the NDJSON target may write here.
        - name: tmp
          emptyDir: {}
        {{- range fromYamlArray (include "parley-lib.kafkaSecurityVolumes" $) }}
        - name: {{ .name }}
          secret:
            {{- toYaml .secret | nindent 12 }}
        {{- end }}
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.topologySpreadConstraints }}
      # Spread over nodes or zones; a constraint without labelSelector selects this Deployment's pods.
      topologySpreadConstraints:
        {{- range . }}
        - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" (fromYaml (include "parley-lib.selectorLabels" $))))) | nindent 10 }}
        {{- end }}
      {{- end }}
{{- end -}}

{{- define "parley-lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "parley-lib.fullname" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "parley-lib.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{- define "parley-lib.serviceAccount" -}}
{{- if .Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "parley-lib.serviceAccountName" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end -}}

{{- define "parley-lib.podDisruptionBudget" -}}
{{- if .Values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "parley-lib.fullname" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "parley-lib.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* Ingress to the HTTP port only from the namespace and the peers listed; egress open unless restricted. */}}
{{- define "parley-lib.networkPolicy" -}}
{{- if .Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "parley-lib.fullname" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "parley-lib.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress{{ if .Values.networkPolicy.egress }}, Egress{{ end }}]
  ingress:
    - from:
        - podSelector: {}
        {{- with .Values.networkPolicy.ingressFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
  {{- with .Values.networkPolicy.egress }}
  egress:
    # DNS, then what the values allow (Kafka, Ollama, Twenty…).
    - ports:
        - { port: 53, protocol: UDP }
        - { port: 53, protocol: TCP }
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "parley-lib.serviceMonitor" -}}
{{- if .Values.serviceMonitor.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "parley-lib.fullname" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
    {{- with .Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "parley-lib.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ .Values.serviceMonitor.interval }}
{{- end }}
{{- end -}}

{{- define "parley-lib.hpa" -}}
{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "parley-lib.fullname" . }}
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "parley-lib.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{/* KEDA scaling on consumer lag; call with (dict "ctx" $ "topic" <input topic> "group" <consumer group>). */}}
{{- define "parley-lib.scaledObject" -}}
{{- $ := .ctx -}}
{{- if $.Values.keda.enabled }}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "parley-lib.fullname" $ }}
  labels:
    {{- include "parley-lib.labels" $ | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ include "parley-lib.fullname" $ }}
  minReplicaCount: {{ $.Values.keda.minReplicas }}
  # More consumers than partitions would sit idle.
  maxReplicaCount: {{ $.Values.keda.maxReplicas }}
  triggers:
    - type: kafka
      metadata:
        bootstrapServers: {{ tpl (include "parley-lib.kafkaBrokers" $) $ | quote }}
        consumerGroup: {{ .group | quote }}
        topic: {{ .topic | quote }}
        lagThreshold: {{ $.Values.keda.lagThreshold | quote }}
{{- end }}
{{- end -}}

{{/* A `helm test` pod that checks the service answers /readyz. */}}
{{- define "parley-lib.test" -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "parley-lib.fullname" . }}-test
  labels:
    {{- include "parley-lib.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: readyz
      image: {{ include "parley-lib.image" . | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      command: [node, -e]
      args:
        - >-
          fetch('http://{{ include "parley-lib.fullname" . }}:{{ .Values.service.port }}/readyz')
          .then(r => { console.log(r.status); process.exit(r.status === 200 ? 0 : 1) })
          .catch(e => { console.error(e.message); process.exit(1) })
      resources:
        requests: { cpu: 10m, memory: 32Mi }
        limits: { cpu: 100m, memory: 64Mi }
{{- end -}}
