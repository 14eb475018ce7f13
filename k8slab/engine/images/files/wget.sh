#!/bin/sh
# k8slab: Debian's busybox is built without wget's -T/--timeout (FEATURE_WGET_TIMEOUT), and its
# wget dies with SIGSEGV on -T. Upstream busybox images and GNU wget take it, and labs use it
# (wget -T 2 -qO- http://web, wget --spider --timeout=1 web): it is taken off here and the
# whole run is bounded by that many seconds instead. Everything else goes to busybox's wget.
t= want=
for a do
    shift
    if [ -n "$want" ]; then t=$a want=; continue; fi
    case $a in
        --timeout=*) t=${a#--timeout=} ;;
        --timeout|-T) want=1 ;;
        -*T*)  # -T5, -qT 5: only flags without an argument may come before the T
            head=${a%%T*}
            case ${head#-} in
                *[!cqS]*) set -- "$@" "$a" ;;
                *) t=${a#*T}
                   [ "$head" = - ] || set -- "$@" "$head"
                   [ -n "$t" ] || want=1 ;;
            esac ;;
        *) set -- "$@" "$a" ;;
    esac
done
if [ -n "$want" ]; then echo "wget: option requires an argument -- 'T'" >&2; exit 1; fi
case $t in
    '' | 0) exec /bin/busybox wget "$@" ;;
    *[!0-9]*) echo "wget: invalid number '$t'" >&2; exit 1 ;;
esac
# SIGINT, not SIGTERM: the shell says nothing when a command dies of it ("Terminated")
/bin/busybox timeout -s INT "$t" /bin/busybox wget "$@"
rc=$?
[ $rc -ne 130 ] || { echo "wget: download timed out" >&2; exit 1; }
exit $rc
