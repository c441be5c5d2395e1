{{/*
Names and labels come from here only.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "pgfleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
"<release>-<name>", or just the release name when it already contains the name; fullnameOverride wins.
Truncated to 63 characters because some name fields are DNS labels. Suffixed names below stay within
the limit because the suffixes are short and Kubernetes allows 253 characters for most object names.
*/}}
{{- define "pgfleet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<name>-<version>" for the helm.sh/chart label. */}}
{{- define "pgfleet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object; pass a dict with "ctx" (the root context) and "component". */}}
{{- define "pgfleet.labels" -}}
helm.sh/chart: {{ include "pgfleet.chart" .ctx }}
{{ include "pgfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: pgfleet
{{- end }}

{{/* Labels that select a component's pods; never change them (selectors are immutable). */}}
{{- define "pgfleet.selectorLabels" -}}
{{- if eq .component "control-plane" }}
{{- /* Fixed: the databases' NetworkPolicies admit the control plane by this label, and only in the release's
namespace (matched by kubernetes.io/metadata.name, which the control plane reads from its service-account mount). */}}
app.kubernetes.io/name: pgfleet-control-plane
{{- else }}
app.kubernetes.io/name: {{ include "pgfleet.name" .ctx }}
{{- end }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The ServiceAccount the control plane runs as. */}}
{{- define "pgfleet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pgfleet.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Where database clusters are created. */}}
{{- define "pgfleet.databasesNamespace" -}}
{{- default .Release.Namespace .Values.kubernetes.namespace }}
{{- end }}

{{/* The leader-election Lease. */}}
{{- define "pgfleet.leaseName" -}}
{{- default (printf "%s-leader" (include "pgfleet.fullname" .)) .Values.leaderElection.leaseName }}
{{- end }}

{{/* Cluster-scoped objects are shared by all namespaces: their name carries the release namespace. */}}
{{- define "pgfleet.clusterScopedName" -}}
{{- printf "%s-%s" .Release.Namespace (include "pgfleet.fullname" .) }}
{{- end }}

{{/* The control-plane image reference; the tag defaults to the appVersion. */}}
{{- define "pgfleet.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret the chart creates for the master key and an inline external metadata password. */}}
{{- define "pgfleet.secretName" -}}
{{- include "pgfleet.fullname" . }}
{{- end }}

{{/* The Secret the chart creates for the admin token. */}}
{{- define "pgfleet.adminSecretName" -}}
{{- printf "%s-admin" (include "pgfleet.fullname" .) }}
{{- end }}

{{/* The backup store's claim: the existing one, or the one the chart creates. */}}
{{- define "pgfleet.backupsClaimName" -}}
{{- default (printf "%s-backups" (include "pgfleet.fullname" .)) .Values.backups.persistence.existingClaim }}
{{- end }}

{{/* Where the backup store is mounted (PGFLEET_BACKUP_DIRECTORY). */}}
{{- define "pgfleet.backupsMountPath" -}}
/var/lib/pgfleet-backups
{{- end }}

{{/* Bundled metadata PostgreSQL: its name (StatefulSet, Service, Secret) and JDBC URL. */}}
{{- define "pgfleet.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "pgfleet.fullname" .) }}
{{- end }}

{{- define "pgfleet.postgresql.jdbcUrl" -}}
{{- printf "jdbc:postgresql://%s:5432/pgfleet" (include "pgfleet.postgresql.fullname" .) }}
{{- end }}

{{/*
A generated secret value that survives upgrades: the value already stored in the named Secret (found with
lookup, which is empty in `helm template` and dry runs), else a fresh one. Returns it base64-encoded.
Pass a dict with "ctx", "secret", "key" and "generate" (the fresh value).
*/}}
{{- define "pgfleet.stableSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key }}
{{- else }}
{{- .generate | b64enc }}
{{- end }}
{{- end }}

{{/*
Cross-field rules the JSON schema does not express clearly; a failure here stops lint, template and install
with a message that says what to change.
*/}}
{{- define "pgfleet.validateValues" -}}
{{- $store := .Values.backups.persistence }}
{{- if and $store.enabled (not $store.existingClaim) (gt (int .Values.replicaCount) 1) (ne $store.accessMode "ReadWriteMany") }}
{{- fail (printf "backups.persistence.accessMode=%s lets only one pod mount the backup store, but replicaCount=%d: use ReadWriteMany (a StorageClass that supports it), or replicaCount=1." $store.accessMode (int .Values.replicaCount)) }}
{{- end }}
{{- if and $store.enabled (not $store.existingClaim) (eq $store.accessMode "ReadWriteOncePod") }}
{{- fail "backups.persistence.accessMode=ReadWriteOncePod lets only the control plane's pod mount the backup store, but each backup is verified in a Job that mounts it read-only: use ReadWriteOnce (with replicaCount=1) or ReadWriteMany." }}
{{- end }}
{{- $external := .Values.metadata.external }}
{{- if eq $external.enabled .Values.metadata.bundled.enabled }}
{{- fail "Enable exactly one metadata database: metadata.external.enabled=true (production) or metadata.bundled.enabled=true (trials)." }}
{{- end }}
{{- if $external.enabled }}
{{- if not $external.url }}
{{- fail "metadata.external.enabled=true needs metadata.external.url (jdbc:postgresql://host:5432/db)." }}
{{- end }}
{{- if not $external.user }}
{{- fail "metadata.external.enabled=true needs metadata.external.user." }}
{{- end }}
{{- if not (or $external.password $external.existingSecret) }}
{{- fail "metadata.external.enabled=true needs metadata.external.existingSecret (or metadata.external.password)." }}
{{- end }}
{{- end }}
{{- end }}
