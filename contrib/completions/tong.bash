# bash completion for tong
_tong_ids ()
{
  local root=/run/tong i
  for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
    [[ ${COMP_WORDS[i]} == --root ]] && root=${COMP_WORDS[i + 1]}
    [[ ${COMP_WORDS[i]} == --root=* ]] && root=${COMP_WORDS[i]#--root=}
  done
  tong --root "$root" list -q 2>/dev/null
}

_tong ()
{
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local verbs="create start state kill delete run exec list ps pause resume update events spec features"
  local verb="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --root | --log | --log-format | --rootless | --criu) ((i++)) ;;
      -*) ;;
      *) verb=${COMP_WORDS[i]}; break ;;
    esac
  done
  case $prev in
    -b | --bundle | --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --log | --pid-file | --console-socket | -p | --process | -r | --resources) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    -f | --format) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
    --rootless) COMPREPLY=($(compgen -W "true false auto" -- "$cur")); return ;;
  esac
  if [[ -z $verb ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--root --log --log-format --debug --systemd-cgroup --rootless --version --help" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
    fi
    return
  fi
  local opts=""
  case $verb in
    create) opts="--bundle --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds" ;;
    run) opts="--bundle --detach --keep --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds" ;;
    exec) opts="--process --detach --pid-file --console-socket --tty --cwd --env --user --additional-gids --cap --no-new-privs --apparmor --process-label --preserve-fds" ;;
    kill) opts="--all" ;;
    delete) opts="--force" ;;
    list) opts="--format --quiet" ;;
    ps) opts="--format" ;;
    spec) opts="--bundle --rootless" ;;
    update) opts="--resources --memory --memory-reservation --memory-swap --kernel-memory --kernel-memory-tcp --cpu-share --cpu-quota --cpu-period --cpu-rt-runtime --cpu-rt-period --cpuset-cpus --cpuset-mems --blkio-weight --pids-limit --l3-cache-schema --mem-bw-schema" ;;
    events) opts="--stats --interval" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
  elif [[ $verb == kill && $prev != kill && $prev != -* ]]; then
    COMPREPLY=($(compgen -W "TERM KILL INT HUP QUIT USR1 USR2 STOP CONT" -- "$cur"))
  else
    case $verb in
      start | state | kill | delete | exec | ps | pause | resume | update | events) COMPREPLY=($(compgen -W "$(_tong_ids)" -- "$cur")) ;;
    esac
  fi
}
complete -F _tong tong
