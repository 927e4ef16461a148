# bash completion for tong-image
_tong_image_names ()
{
  local root="" i
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    [[ ${COMP_WORDS[i]} == --root ]] && root=${COMP_WORDS[i + 1]}
    [[ ${COMP_WORDS[i]} == --root=* ]] && root=${COMP_WORDS[i]#--root=}
  done
  tong-image ${root:+--root "$root"} images --format json 2>/dev/null |
    sed -n 's/^ *"name": "\(.*\)",*$/\1/p'
}

_tong_image ()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmds="pull unpack images inspect rmi prune df import login logout help"
  local cmd="" i nargs=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --root | --platform | --authfile | --image-volumes | -e | --env | --entrypoint | -u | --user | --username | --format)
        ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=${COMP_WORDS[i]}; else ((nargs++)); fi ;;
    esac
  done
  case $prev in
    --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --authfile) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --platform) COMPREPLY=($(compgen -W "linux/amd64 linux/arm64 linux/arm/v7 linux/386 linux/ppc64le linux/s390x linux/riscv64" -- "$cur")); return ;;
    --image-volumes) COMPREPLY=($(compgen -W "anonymous tmpfs ignore" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "json" -- "$cur")); return ;;
    -e | --env | --entrypoint | -u | --user | --username) return ;;
  esac
  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--root --version --help" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
    fi
    return
  fi
  local opts=""
  case $cmd in
    pull) opts="--platform --insecure --authfile --quiet --help" ;;
    unpack) opts="--platform --tty --image-volumes --env --entrypoint --user --help" ;;
    images) opts="--digests --quiet --format --help" ;;
    inspect) opts="--platform --help" ;;
    df) opts="--verbose --help" ;;
    login) opts="--username --password-stdin --authfile --insecure --help" ;;
    logout) opts="--authfile --help" ;;
    *) opts="--help" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
    unpack)
      if [ "$nargs" = 0 ]; then COMPREPLY=($(compgen -W "$(_tong_image_names)" -- "$cur")); else COMPREPLY=($(compgen -d -- "$cur")); fi ;;
    inspect | rmi) COMPREPLY=($(compgen -W "$(_tong_image_names)" -- "$cur")) ;;
    import) COMPREPLY=($(compgen -f -- "$cur")) ;;
    help) COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
  esac
}
complete -F _tong_image tong-image
