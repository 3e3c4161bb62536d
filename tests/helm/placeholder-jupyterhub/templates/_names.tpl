{{- /* Resource names: the fullnameOverride rule of the real chart ("" means no prefix). */}}
{{- define "jupyterhub.fullname" -}}
{{- $override := .Values.fullnameOverride }}
{{- if ne .Chart.Name "jupyterhub" }}{{ $override = .Values.jupyterhub.fullnameOverride }}{{ end }}
{{- if kindIs "string" $override }}{{ $override }}{{ else }}{{ .Release.Name }}-jupyterhub{{ end }}
{{- end }}

{{- define "jupyterhub.hub.fullname" -}}
{{- with include "jupyterhub.fullname" . }}{{ . }}-{{ end }}hub
{{- end }}

{{- /* A service's token: the value given, else the one already in the Secret, else a new random one. */}}
{{- define "jupyterhub.placeholder.apiToken" -}}
{{- $root := index . 0 }}{{ $name := index . 1 }}
{{- $given := (get $root.Values.hub.services $name | default dict).apiToken }}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (include "jupyterhub.hub.fullname" $root) }}
{{- $key := printf "hub.services.%s.apiToken" $name }}
{{- if $given }}{{ $given }}
{{- else if and $existing (hasKey $existing.data $key) }}{{ get $existing.data $key | b64dec }}
{{- else }}{{ randAlphaNum 64 }}{{ end }}
{{- end }}
