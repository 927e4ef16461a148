# bash completion for tong-port
_tong_port ()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd=${COMP_WORDS[1]} root=/run/tong i
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    [[ ${COMP_WORDS[i]} == --root ]] && root=${COMP_WORDS[i + 1]}
  done
  if [ "$COMP_CWORD" = 1 ]; then
    COMPREPLY=($(compgen -W "publish unpublish ls --help" -- "$cur"))
    return
  fi
  case $prev in
    --root | --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --netns) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --pid | --udp-timeout | --ip | --container-ip) return ;;
    --format) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
  esac
  case $cmd in
    ls) COMPREPLY=($(compgen -W "--root --state-dir --format" -- "$cur")) ;;
    publish | unpublish)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--netns --pid --hook --root --state-dir --udp-timeout -P --publish-all --ip --container-ip" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$(tong --root "$root" list -q 2>/dev/null)" -- "$cur"))
      fi
      ;;
  esac
}
complete -F _tong_port tong-port
