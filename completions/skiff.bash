# bash completion for skiff. Commands and flags come from the binary's own --help (CLI11's
# "Subcommands:" and "Options:" sections), so they always match the skiff being completed;
# image names come from `skiff images`, container names from `skiff ps -a`, volume names from
# `skiff volume ls -q`, pod names from `skiff pod ps -q`.

# The subcommands, or with "options" the flags, that `skiff <path> --help` lists.
_skiff_help_list() {
  local what=$1
  shift
  "$@" --help 2>/dev/null | awk -v what="$what" '
    /^[A-Za-z].*:$/ { section = $0; next }
    /^  [^ ]/ {
      if (what == "commands" && section == "Subcommands:") {
        sub(/^  /, ""); sub(/ .*/, ""); sub(/,$/, ""); print
      } else if (what == "options" && section == "Options:") {
        sub(/^  /, ""); sub(/  .*/, ""); sub(/ [A-Z].*/, ""); sub(/{.*/, "")
        n = split($0, names, ",")
        for (i = 1; i <= n; i++) print names[i]
      }
    }'
}

# Whether flag takes a value ("--format TEXT" in --help).
_skiff_flag_takes_value() {
  local flag=$1
  shift
  "$@" --help 2>/dev/null | grep -Eq -- "(^ *|,)${flag}( [A-Z]|=|,[^ ]* [A-Z])"
}

_skiff_images() {
  "$@" images 2>/dev/null | awk 'NR > 1 && $1 != "<none>" { print $1 ":" $2 } NR > 1 { print $3 }'
}

_skiff_containers() {
  "$@" ps -a 2>/dev/null | awk 'NR > 1 { print $NF }'
}

_skiff_volumes() {
  "$@" volume ls -q 2>/dev/null
}

_skiff_pods() {
  "$@" pod ps -q 2>/dev/null
}

_skiff() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd=("${COMP_WORDS[0]}")
  local path=()
  local i word
  # Global flags that take a value keep it with them; the first other non-flag words that
  # are subcommands make the command path.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    case $word in
      --root | --runroot | --log-level)
        cmd+=("$word" "${COMP_WORDS[i + 1]}")
        ((i++))
        ;;
      -*) ;;
      *)
        if _skiff_help_list commands "${cmd[@]}" "${path[@]}" | grep -qx -- "$word"; then
          path+=("$word")
        fi
        ;;
    esac
  done

  if [[ $prev == -* ]] && _skiff_flag_takes_value "$prev" "${cmd[@]}" "${path[@]}"; then
    case $prev in
      --format | -f)
        case "${path[*]}" in
          save | "image save") COMPREPLY=($(compgen -W "docker-archive oci-archive oci-dir" -- "$cur")) ;;
          info | "system info") COMPREPLY=($(compgen -W "yaml json" -- "$cur")) ;;
          *) COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
        esac
        ;;
      --log-level) COMPREPLY=($(compgen -W "debug info warn error" -- "$cur")) ;;
      --network | --net) COMPREPLY=($(compgen -W "bridge none host slirp4netns container:" -- "$cur")) ;;
      --pod) COMPREPLY=($(compgen -W "$(_skiff_pods "${cmd[@]}")" -- "$cur")) ;;
      --share) COMPREPLY=($(compgen -W "ipc,net,uts ipc,net,uts,pid" -- "$cur")) ;;
      --restart) COMPREPLY=($(compgen -W "no on-failure always" -- "$cur")) ;;
      --signal | -s) COMPREPLY=($(compgen -W "TERM KILL INT HUP QUIT USR1 USR2" -- "$cur")) ;;
      --tls-verify) COMPREPLY=($(compgen -W "true false" -- "$cur")) ;;
      --root | --runroot | -o | --output) COMPREPLY=($(compgen -d -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
    return
  fi

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_skiff_help_list options "${cmd[@]}" "${path[@]}")" -- "$cur"))
    return
  fi

  local commands
  commands=$(_skiff_help_list commands "${cmd[@]}" "${path[@]}")
  if [[ -n $commands ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    return
  fi
  case "${path[*]}" in
    rmi | tag | save | "image rm" | "image tag" | "image save" | "image inspect")
      COMPREPLY=($(compgen -W "$(_skiff_images "${cmd[@]}")" -- "$cur"))
      ;;
    import | "image import" | load | "image load")
      COMPREPLY=($(compgen -f -- "$cur"))
      ;;
    run | create | "container run" | "container create")
      COMPREPLY=($(compgen -W "$(_skiff_images "${cmd[@]}")" -- "$cur"))
      ;;
    inspect)
      COMPREPLY=($(compgen -W "$(_skiff_containers "${cmd[@]}") $(_skiff_images "${cmd[@]}")" -- "$cur"))
      ;;
    "pod start" | "pod stop" | "pod rm" | "pod inspect" | "pod logs")
      COMPREPLY=($(compgen -W "$(_skiff_pods "${cmd[@]}")" -- "$cur"))
      ;;
    "volume inspect" | "volume rm")
      COMPREPLY=($(compgen -W "$(_skiff_volumes "${cmd[@]}")" -- "$cur"))
      ;;
    start | stop | restart | kill | rm | wait | logs | top | stats | port | exec | cp | "container "*)
      COMPREPLY=($(compgen -W "$(_skiff_containers "${cmd[@]}")" -- "$cur"))
      ;;
  esac
}

complete -F _skiff skiff
