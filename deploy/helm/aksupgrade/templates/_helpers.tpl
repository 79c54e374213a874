{{/* The chart's name, at most 63 characters. */}}
{{- define "aksupgrade.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the name of every object it makes. */}}
{{- define "aksupgrade.fullname" -}}
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

{{- define "aksupgrade.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The labels every object carries. */}}
{{- define "aksupgrade.labels" -}}
helm.sh/chart: {{ include "aksupgrade.chart" . }}
{{ include "aksupgrade.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The labels that select the release's pods. */}}
{{- define "aksupgrade.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aksupgrade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aksupgrade.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aksupgrade.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "aksupgrade.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* "true" when the state is in PostgreSQL, "" for SQLite. */}}
{{- define "aksupgrade.postgres" -}}
{{- with .Values.database.postgres -}}
{{- if or .existingSecret .dsn -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* The number of replicas: the value, or 2 on PostgreSQL and 1 on SQLite. */}}
{{- define "aksupgrade.replicas" -}}
{{- if not (kindIs "invalid" .Values.replicas) -}}{{- int .Values.replicas -}}
{{- else if include "aksupgrade.postgres" . -}}2
{{- else -}}1{{- end -}}
{{- end -}}

{{/* "https" when aksupgrade serves TLS itself, else "http". */}}
{{- define "aksupgrade.scheme" -}}
{{- if .Values.tls.existingSecret -}}https{{- else -}}http{{- end -}}
{{- end -}}

{{/* "true" when the Event Grid webhook is on. */}}
{{- define "aksupgrade.webhook" -}}
{{- if or .Values.webhook.existingSecret (and .Values.webhook.entra.tenantID .Values.webhook.entra.audience) -}}true{{- end -}}
{{- end -}}

{{/*
The checks that refuse a release that could not work, or that would put a
secret into the chart. Included by the Deployment; renders nothing.
*/}}
{{- define "aksupgrade.validate" -}}
{{- $replicas := include "aksupgrade.replicas" . | int -}}
{{- $pg := .Values.database.postgres -}}
{{- if and (not (include "aksupgrade.postgres" .)) (gt $replicas 1) -}}
{{- fail (printf "replicas is %d, but SQLite allows exactly one replica (one process writes the database file): leave replicas empty or 1" $replicas) -}}
{{- end -}}
{{- if and $pg.existingSecret $pg.dsn -}}
{{- fail "database.postgres: set existingSecret (the whole DSN in a Secret) or dsn (without its password, with passwordSecret), not both" -}}
{{- end -}}
{{- if and $pg.dsn (or (regexMatch "^[a-zA-Z]+://[^/@]*:[^/@]*@" $pg.dsn) (regexMatch "(^|\\s|[?&])password=" $pg.dsn)) -}}
{{- fail "database.postgres.dsn holds a password: put the password in a Secret (database.postgres.passwordSecret) or the whole DSN in a Secret (database.postgres.existingSecret)" -}}
{{- end -}}
{{- if and $pg.passwordSecret.name (not $pg.dsn) -}}
{{- fail "database.postgres.passwordSecret goes with database.postgres.dsn" -}}
{{- end -}}
{{- if and (not .Values.policy) (not .Values.existingPolicyConfigMap) -}}
{{- fail "set policy (the policy file's text) or existingPolicyConfigMap: see examples/policy.yaml" -}}
{{- end -}}
{{- if and .Values.policy .Values.existingPolicyConfigMap -}}
{{- fail "set policy or existingPolicyConfigMap, not both" -}}
{{- end -}}
{{- $entra := .Values.api.entra -}}
{{- if or $entra.tenantID $entra.audience -}}
{{- if not (and $entra.tenantID $entra.audience) -}}
{{- fail "api.entra needs both tenantID and audience" -}}
{{- end -}}
{{- if not (or $entra.operators $entra.viewers) -}}
{{- fail "api.entra: say which app roles or groups may act (operators) or read (viewers)" -}}
{{- end -}}
{{- end -}}
{{- if not (or .Values.api.tokens.existingSecret $entra.tenantID .Values.api.insecureNoAuth) -}}
{{- fail "the API needs authentication: set api.tokens.existingSecret (a Secret with lines made by `aksupgrade token new`) or api.entra, or api.insecureNoAuth if something in front authenticates every request" -}}
{{- end -}}
{{- $hook := .Values.webhook.entra -}}
{{- if and (or $hook.tenantID $hook.audience) (not (and $hook.tenantID $hook.audience)) -}}
{{- fail "webhook.entra needs both tenantID and audience" -}}
{{- end -}}
{{- if and (or .Values.webhook.separateListener .Values.webhook.ingress.enabled) (not (include "aksupgrade.webhook" .)) -}}
{{- fail "the webhook is off: set webhook.existingSecret or webhook.entra for webhook.separateListener or webhook.ingress" -}}
{{- end -}}
{{- if and .Values.webhook.separateListener (eq (int .Values.webhook.port) (int .Values.api.port)) -}}
{{- fail "webhook.port must differ from api.port" -}}
{{- end -}}
{{- if and .Values.azure.workloadIdentity.enabled (not .Values.azure.workloadIdentity.clientID) -}}
{{- fail "azure.workloadIdentity.clientID: the client ID of the identity aksupgrade acts as (or set azure.workloadIdentity.enabled false and give credentials another way)" -}}
{{- end -}}
{{- if and .Values.azure.workloadIdentity.enabled (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) -}}
{{- fail "azure.workloadIdentity needs a ServiceAccount of its own: serviceAccount.create, or the name of an existing one annotated with azure.workload.identity/client-id" -}}
{{- end -}}
{{- end -}}

{{/*
The container's environment: the database, sign-in and webhook settings.
Every secret comes from a Secret by reference (valueFrom.secretKeyRef).
*/}}
{{- define "aksupgrade.env" -}}
{{- if include "aksupgrade.postgres" . }}
{{- with .Values.database.postgres }}
{{- if .existingSecret }}
- name: AKSUPGRADE_DB
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .dsnKey }}
{{- else }}
- name: AKSUPGRADE_DB
  value: {{ .dsn | quote }}
{{- if .passwordSecret.name }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .passwordSecret.name }}
      key: {{ .passwordSecret.key }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.api.entra }}
{{- if .tenantID }}
- name: AKSUPGRADE_API_ENTRA_TENANT_ID
  value: {{ .tenantID | quote }}
- name: AKSUPGRADE_API_ENTRA_AUDIENCE
  value: {{ .audience | quote }}
{{- with .operators }}
- name: AKSUPGRADE_API_ENTRA_OPERATORS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .viewers }}
- name: AKSUPGRADE_API_ENTRA_VIEWERS
  value: {{ join "," . | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.webhook }}
{{- if .existingSecret }}
- name: AKSUPGRADE_WEBHOOK_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .key }}
{{- end }}
{{- with .subscriptions }}
- name: AKSUPGRADE_WEBHOOK_SUBSCRIPTIONS
  value: {{ join "," . | quote }}
{{- end }}
{{- if .entra.tenantID }}
- name: AKSUPGRADE_ENTRA_TENANT_ID
  value: {{ .entra.tenantID | quote }}
- name: AKSUPGRADE_ENTRA_AUDIENCE
  value: {{ .entra.audience | quote }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
