{{- define "bench-app.selectorLabels" -}}
backstage.io/kubernetes-id: {{ .Chart.Name }}
app.kubernetes.io/name: {{ .Chart.Name }}
{{- end }}

{{- define "bench-app.labels" -}}
{{ include "bench-app.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
shipyard/version: {{ .Release.Revision | quote }}
shipyard/workspace: {{ .Values.workspace }}
shipyard/entity-ref-hash: {{ .Values.entityRefHash | quote }}
{{- end }}
