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

{{- define "chainfan.redisSecretName" -}}
{{- printf "%s-redis" (include "chainfan.fullname" .) -}}
{{- end -}}

{{/* Password of the bundled Redis: redis.auth.password, else the one already in the cluster (upgrades keep it),
     else generated once per render (every template of this render sees the same one). */}}
{{- define "chainfan.redisPassword" -}}
{{- if .Values.redis.auth.password -}}
{{- .Values.redis.auth.password -}}
{{- else -}}
{{- $cache := .Values.redis.auth -}}
{{- if not (hasKey $cache "_generated") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "chainfan.redisSecretName" .) -}}
{{- if and $existing (index ($existing.data | default dict) "redis-password") -}}
{{- $_ := set $cache "_generated" (index $existing.data "redis-password" | b64dec) -}}
{{- else -}}
{{- $_ := set $cache "_generated" (randAlphaNum 32) -}}
{{- end -}}
{{- end -}}
{{- index $cache "_generated" -}}
{{- end -}}
{{- end -}}

{{/* CHAINFAN_REDIS_URL of single mode; the bundled Redis's carries its password. */}}
{{- define "chainfan.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://:%s@%s-redis:6379" (include "chainfan.redisPassword" .) (include "chainfan.fullname" .) -}}
{{- else -}}
{{- .Values.externalRedis.url -}}
{{- end -}}
{{- end -}}

{{- define "chainfan.redisMode" -}}
{{- if .Values.redis.enabled -}}single{{- else -}}{{ .Values.externalRedis.mode }}{{- end -}}
{{- end -}}

{{/* Redis variables that are not secret (ConfigMap data of both roles). */}}
{{- define "chainfan.redisConfig" -}}
{{- $mode := include "chainfan.redisMode" . -}}
{{- if eq $mode "sentinel" }}
CHAINFAN_REDIS_SENTINELS: {{ join "," .Values.externalRedis.sentinels | quote }}
CHAINFAN_REDIS_SENTINEL_NAME: {{ .Values.externalRedis.sentinelName | quote }}
{{- else if eq $mode "cluster" }}
CHAINFAN_REDIS_CLUSTER_NODES: {{ join "," .Values.externalRedis.clusterNodes | quote }}
{{- end }}
{{- if and (ne $mode "single") .Values.externalRedis.tls.enabled }}
CHAINFAN_REDIS_TLS: "true"
{{- end }}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.tls.caSecret }}
CHAINFAN_REDIS_TLS_CA_FILE: {{ printf "/etc/chainfan/redis-ca/%s" .Values.externalRedis.tls.caKey | quote }}
{{- end }}
{{- end -}}

{{/* Secret keys of the Redis connection a pod reads: name → optional. */}}
{{- define "chainfan.redisSecretKeys" -}}
{{- $keys := dict -}}
{{- $mode := include "chainfan.redisMode" . -}}
{{- if eq $mode "single" -}}{{- $_ := set $keys "CHAINFAN_REDIS_URL" false -}}{{- end -}}
{{- if .Values.existingSecret -}}
{{- if not .Values.redis.enabled -}}
{{- $_ := set $keys "CHAINFAN_REDIS_USERNAME" true -}}
{{- $_ := set $keys "CHAINFAN_REDIS_PASSWORD" true -}}
{{- if eq $mode "sentinel" -}}{{- $_ := set $keys "CHAINFAN_REDIS_SENTINEL_PASSWORD" true -}}{{- end -}}
{{- end -}}
{{- else if not .Values.redis.enabled -}}
{{- if .Values.externalRedis.username -}}{{- $_ := set $keys "CHAINFAN_REDIS_USERNAME" false -}}{{- end -}}
{{- if .Values.externalRedis.password -}}{{- $_ := set $keys "CHAINFAN_REDIS_PASSWORD" false -}}{{- end -}}
{{- if and (eq $mode "sentinel") .Values.externalRedis.sentinelPassword -}}{{- $_ := set $keys "CHAINFAN_REDIS_SENTINEL_PASSWORD" false -}}{{- end -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* env entries of the Redis secrets (edges get only these, never the node's credentials) */}}
{{- define "chainfan.redisSecretEnv" -}}
{{- range $k, $optional := include "chainfan.redisSecretKeys" . | fromJson }}
- name: {{ $k }}
  valueFrom:
    secretKeyRef:
      name: {{ include "chainfan.secretName" $ }}
      key: {{ $k }}
      {{- if $optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* CA bundle of an external TLS Redis, as a volume and a mount */}}
{{- define "chainfan.redisCaVolume" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.tls.caSecret }}
- name: redis-ca
  secret:
    secretName: {{ .Values.externalRedis.tls.caSecret }}
    items:
      - key: {{ .Values.externalRedis.tls.caKey }}
        path: {{ .Values.externalRedis.tls.caKey }}
{{- end }}
{{- end -}}
{{- define "chainfan.redisCaMount" -}}
{{- if and (not .Values.redis.enabled) .Values.externalRedis.tls.caSecret }}
- name: redis-ca
  mountPath: /etc/chainfan/redis-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* CHAINFAN_EDGE_TRUST_FORWARDED_FOR: auto = behind the chart's Ingress or HTTPRoute */}}
{{- define "chainfan.edge.trustForwardedFor" -}}
{{- $v := .Values.edge.trustForwardedFor -}}
{{- if eq (toString $v) "auto" -}}
{{- ternary "true" "false" (or .Values.ingress.enabled .Values.gateway.enabled) -}}
{{- else -}}
{{- ternary "true" "false" (eq (toString $v) "true") -}}
{{- end -}}
{{- end -}}

{{- define "chainfan.edge.secretName" -}}
{{- printf "%s-edge" (include "chainfan.fullname" .) -}}
{{- end -}}

{{/* the Secret holding redis-password of the bundled Redis */}}
{{- define "chainfan.redisPasswordSecret" -}}
{{- default (include "chainfan.redisSecretName" .) .Values.existingSecret -}}
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

{{/* /tmp is the only writable path (Node's temp files) */}}
{{- define "chainfan.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end -}}
