# bash completion for tong-volume
_tong_volume_names ()
{
  local root="" i
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    [[ ${COMP_WORDS[i]} == --root ]] && root=${COMP_WORDS[i + 1]}
  done
  tong-volume ${root:+--root "$root"} ls -q 2>/dev/null
}

_tong_volume ()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --root) ((i++)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  case $prev in
    --root | --from) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --label) return ;;
    --filter) COMPREPLY=($(compgen -W "label= label!= dangling=true dangling=false name= all=true" -- "$cur")); return ;;
  esac
  case $cmd in
    "") COMPREPLY=($(compgen -W "create ls inspect rm prune attach detach --root --help" -- "$cur")) ;;
    create) COMPREPLY=($(compgen -W "--label" -- "$cur")) ;;
    ls) COMPREPLY=($(compgen -W "-q --quiet --filter" -- "$cur")) ;;
    inspect) COMPREPLY=($(compgen -W "$(_tong_volume_names)" -- "$cur")) ;;
    rm) COMPREPLY=($(compgen -W "-f --force $(_tong_volume_names)" -- "$cur")) ;;
    prune) COMPREPLY=($(compgen -W "-a --all --filter" -- "$cur")) ;;
    attach)
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--create-host-path --image-volumes --from" -- "$cur"))
      else
        COMPREPLY=($(compgen -d -- "$cur") $(compgen -W "$(_tong_volume_names | sed 's/$/:/')" -- "$cur"))
      fi
      ;;
    detach) COMPREPLY=($(compgen -d -- "$cur")) ;;
  esac
}
complete -F _tong_volume tong-volume
