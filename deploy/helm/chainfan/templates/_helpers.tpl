{{/* Names, labels and shared snippets of the chainfan chart. */}}

{{- define "chainfan.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "chainfan.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "chainfan.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "chainfan.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: chainfan
{{- end -}}

{{/* selector labels of one component: call with (dict "root" $ "component" "edge") */}}
{{- define "chainfan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chainfan.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "chainfan.componentLabels" -}}
{{ include "chainfan.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "chainfan.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "chainfan.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "chainfan.secretName" -}}
{{- default (printf "%s-secrets" (include "chainfan.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{- define "chainfan.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379" (include "chainfan.fullname" .) -}}
{{- else -}}
{{- required "externalRedis.url is required when redis.enabled is false" .Values.externalRedis.url -}}
{{- end -}}
{{- end -}}

{{/* image reference of a role: call with (dict "root" $ "image" .Values.image.edge) */}}
{{- define "chainfan.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* SIGTERM arrives after preStop; the edge then drains for drainTimeoutMs; the margin covers bus close and exit. */}}
{{- define "chainfan.edge.terminationGracePeriodSeconds" -}}
{{- add .Values.edge.preStopDelaySeconds (div (add .Values.edge.drainTimeoutMs 999) 1000) .Values.edge.terminationMarginSeconds -}}
{{- end -}}

{{- define "chainfan.podSecurity" -}}
{{- with .Values.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* /tmp is the only writable path: tsx keeps its transpile cache there */}}
{{- define "chainfan.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}
