{{- /* Names, labels and values derived once and used by several templates. */}}

{{- define "binderd.labels" -}}
app: binder
heritage: {{ .Release.Service }}
release: {{ .Release.Name }}
chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "binderd.selectorLabels" -}}
app: binder
component: binder
release: {{ .Release.Name }}
{{- end }}

{{- /* The hub's Secret: the jupyterhub chart's own name for it (it holds hub.services.binder.apiToken). */}}
{{- define "binderd.hubSecretName" -}}
{{- include "jupyterhub.hub.fullname" . }}
{{- end }}

{{- /* binderd's base_url, ending in a slash (probes and scrape path). */}}
{{- define "binderd.baseUrl" -}}
{{- $base := ((.Values.config.BinderHub | default dict).base_url | default "/") }}
{{- trimSuffix "/" $base }}/
{{- end }}

{{- define "binderd.useRegistry" -}}
{{- $bh := .Values.config.BinderHub | default dict }}
{{- if or (not (hasKey $bh "use_registry")) $bh.use_registry }}true{{ end }}
{{- end }}

{{- /* The socket build pods use: the node's Docker, or the dind/pink daemonset's. */}}
{{- define "binderd.builderDockerHost" -}}
{{- if eq .Values.imageBuilderType "dind" -}}
unix://{{ .Values.dind.hostSocketDir }}/{{ .Values.dind.hostSocketName }}
{{- else if eq .Values.imageBuilderType "pink" -}}
unix://{{ .Values.pink.hostSocketDir }}/{{ .Values.pink.hostSocketName }}
{{- else -}}
unix://{{ .Values.imageCleaner.host.dockerSocketDir }}/{{ .Values.imageCleaner.host.dockerSocketName }}
{{- end }}
{{- end }}

{{- /*
  binderd's configuration file (YAML, read with `binderd -f`): the `config` and
  `extraConfig` values, plus what the chart's other values imply for binderd
  (build image and its repo2docker configuration, build socket, push secret,
  the registry's key in config.json), unless `config` sets them itself.
*/}}
{{- define "binderd.configFile" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- $kbe := deepCopy (get $config "KubernetesBuildExecutor" | default dict) }}
{{- if not (hasKey $kbe "build_image") }}
{{- $_ := set $kbe "build_image" (printf "%s:%s" .Values.buildImage.name (toString .Values.buildImage.tag)) }}
{{- if and .Values.buildImage.repo2dockerConfig (not (hasKey $kbe "repo2docker_config")) }}
{{- $_ := set $kbe "repo2docker_config" .Values.buildImage.repo2dockerConfig }}
{{- end }}
{{- end }}
{{- if not (hasKey $kbe "docker_host") }}
{{- $_ := set $kbe "docker_host" (include "binderd.builderDockerHost" .) }}
{{- end }}
{{- if not (hasKey $kbe "push_secret") }}
{{- $_ := set $kbe "push_secret" (ternary "binder-build-docker-config" "" (eq (include "binderd.useRegistry" .) "true")) }}
{{- end }}
{{- $_ := set $config "KubernetesBuildExecutor" $kbe }}
{{- /* binderd looks its credentials up under registry.url exactly as config.json has it
       (Docker Hub's key may be written with or without its trailing slash). */}}
{{- $registryUrl := (.Values.registry | default dict).url }}
{{- $dr := deepCopy (get $config "DockerRegistry" | default dict) }}
{{- if and $registryUrl (not (hasKey $dr "auth_config_url")) }}
{{- $_ := set $dr "auth_config_url" $registryUrl }}
{{- $_ := set $config "DockerRegistry" $dr }}
{{- end }}
{{- $out := dict "config" $config }}
{{- with .Values.extraConfig }}
{{- $_ := set $out "extraConfig" . }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{- /*
  The docker config.json binderd checks the registry with and build pods push
  with: registry.url as the auth key (Docker Hub's v1 key when unset) and
  username:password as the auth. Without a username, `_json_key` for gcr.io or
  a service-account JSON key, else `<token>`.
*/}}
{{- define "binderd.dockerConfig" -}}
{{- $r := .Values.registry | default dict }}
{{- $auths := dict }}
{{- if or $r.url $r.username $r.password }}
{{- $url := $r.url | default "https://index.docker.io/v1/" }}
{{- $password := $r.password | default "" }}
{{- $key := fromJson (ternary $password "{}" (hasPrefix "{" (trim $password))) }}
{{- $jsonKey := or (eq $url "https://gcr.io") (eq (get $key "type" | default "") "service_account") }}
{{- $username := $r.username | default (ternary "_json_key" "<token>" $jsonKey) }}
{{- $_ := set $auths $url (dict "auth" (printf "%s:%s" $username $password | b64enc)) }}
{{- end }}
{{- dict "auths" $auths | toJson }}
{{- end }}

{{- /* extraEnv as a list (it may be given as a list or as a name -> value/valueFrom mapping). */}}
{{- define "binderd.extraEnv" -}}
{{- if kindIs "map" .Values.extraEnv }}
{{- range $name, $value := .Values.extraEnv }}
{{- if kindIs "map" $value }}
- {{ merge (dict "name" $name) $value | toJson }}
{{- else }}
- {{ dict "name" $name "value" (toString $value) | toJson }}
{{- end }}
{{- end }}
{{- else if .Values.extraEnv }}
{{- toYaml .Values.extraEnv }}
{{- end }}
{{- end }}
