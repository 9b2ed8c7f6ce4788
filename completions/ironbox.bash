_ironbox() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="ironbox"
                ;;
            ironbox,agent)
                cmd="ironbox__subcmd__agent"
                ;;
            ironbox,attach)
                cmd="ironbox__subcmd__attach"
                ;;
            ironbox,bootloader)
                cmd="ironbox__subcmd__bootloader"
                ;;
            ironbox,check-disk)
                cmd="ironbox__subcmd__check__subcmd__disk"
                ;;
            ironbox,configdrive)
                cmd="ironbox__subcmd__configdrive"
                ;;
            ironbox,detach)
                cmd="ironbox__subcmd__detach"
                ;;
            ironbox,erase)
                cmd="ironbox__subcmd__erase"
                ;;
            ironbox,export)
                cmd="ironbox__subcmd__export"
                ;;
            ironbox,firmware)
                cmd="ironbox__subcmd__firmware"
                ;;
            ironbox,generate)
                cmd="ironbox__subcmd__generate"
                ;;
            ironbox,help)
                cmd="ironbox__subcmd__help"
                ;;
            ironbox,image-cache)
                cmd="ironbox__subcmd__image__subcmd__cache"
                ;;
            ironbox,image-write)
                cmd="ironbox__subcmd__image__subcmd__write"
                ;;
            ironbox,inventory)
                cmd="ironbox__subcmd__inventory"
                ;;
            ironbox,partition)
                cmd="ironbox__subcmd__partition"
                ;;
            ironbox__subcmd__attach,help)
                cmd="ironbox__subcmd__attach__subcmd__help"
                ;;
            ironbox__subcmd__attach,iscsi)
                cmd="ironbox__subcmd__attach__subcmd__iscsi"
                ;;
            ironbox__subcmd__attach,nvme-tcp)
                cmd="ironbox__subcmd__attach__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__attach__subcmd__help,help)
                cmd="ironbox__subcmd__attach__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__attach__subcmd__help,iscsi)
                cmd="ironbox__subcmd__attach__subcmd__help__subcmd__iscsi"
                ;;
            ironbox__subcmd__attach__subcmd__help,nvme-tcp)
                cmd="ironbox__subcmd__attach__subcmd__help__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__bootloader,clean-nvram)
                cmd="ironbox__subcmd__bootloader__subcmd__clean__subcmd__nvram"
                ;;
            ironbox__subcmd__bootloader,grub)
                cmd="ironbox__subcmd__bootloader__subcmd__grub"
                ;;
            ironbox__subcmd__bootloader,help)
                cmd="ironbox__subcmd__bootloader__subcmd__help"
                ;;
            ironbox__subcmd__bootloader,uefi)
                cmd="ironbox__subcmd__bootloader__subcmd__uefi"
                ;;
            ironbox__subcmd__bootloader__subcmd__help,clean-nvram)
                cmd="ironbox__subcmd__bootloader__subcmd__help__subcmd__clean__subcmd__nvram"
                ;;
            ironbox__subcmd__bootloader__subcmd__help,grub)
                cmd="ironbox__subcmd__bootloader__subcmd__help__subcmd__grub"
                ;;
            ironbox__subcmd__bootloader__subcmd__help,help)
                cmd="ironbox__subcmd__bootloader__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__bootloader__subcmd__help,uefi)
                cmd="ironbox__subcmd__bootloader__subcmd__help__subcmd__uefi"
                ;;
            ironbox__subcmd__configdrive,build)
                cmd="ironbox__subcmd__configdrive__subcmd__build"
                ;;
            ironbox__subcmd__configdrive,help)
                cmd="ironbox__subcmd__configdrive__subcmd__help"
                ;;
            ironbox__subcmd__configdrive,read)
                cmd="ironbox__subcmd__configdrive__subcmd__read"
                ;;
            ironbox__subcmd__configdrive,write)
                cmd="ironbox__subcmd__configdrive__subcmd__write"
                ;;
            ironbox__subcmd__configdrive__subcmd__help,build)
                cmd="ironbox__subcmd__configdrive__subcmd__help__subcmd__build"
                ;;
            ironbox__subcmd__configdrive__subcmd__help,help)
                cmd="ironbox__subcmd__configdrive__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__configdrive__subcmd__help,read)
                cmd="ironbox__subcmd__configdrive__subcmd__help__subcmd__read"
                ;;
            ironbox__subcmd__configdrive__subcmd__help,write)
                cmd="ironbox__subcmd__configdrive__subcmd__help__subcmd__write"
                ;;
            ironbox__subcmd__detach,help)
                cmd="ironbox__subcmd__detach__subcmd__help"
                ;;
            ironbox__subcmd__detach,iscsi)
                cmd="ironbox__subcmd__detach__subcmd__iscsi"
                ;;
            ironbox__subcmd__detach,nvme-tcp)
                cmd="ironbox__subcmd__detach__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__detach__subcmd__help,help)
                cmd="ironbox__subcmd__detach__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__detach__subcmd__help,iscsi)
                cmd="ironbox__subcmd__detach__subcmd__help__subcmd__iscsi"
                ;;
            ironbox__subcmd__detach__subcmd__help,nvme-tcp)
                cmd="ironbox__subcmd__detach__subcmd__help__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__export,help)
                cmd="ironbox__subcmd__export__subcmd__help"
                ;;
            ironbox__subcmd__export,iscsi)
                cmd="ironbox__subcmd__export__subcmd__iscsi"
                ;;
            ironbox__subcmd__export,list)
                cmd="ironbox__subcmd__export__subcmd__list"
                ;;
            ironbox__subcmd__export,nvme-tcp)
                cmd="ironbox__subcmd__export__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__export,stop)
                cmd="ironbox__subcmd__export__subcmd__stop"
                ;;
            ironbox__subcmd__export__subcmd__help,help)
                cmd="ironbox__subcmd__export__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__export__subcmd__help,iscsi)
                cmd="ironbox__subcmd__export__subcmd__help__subcmd__iscsi"
                ;;
            ironbox__subcmd__export__subcmd__help,list)
                cmd="ironbox__subcmd__export__subcmd__help__subcmd__list"
                ;;
            ironbox__subcmd__export__subcmd__help,nvme-tcp)
                cmd="ironbox__subcmd__export__subcmd__help__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__export__subcmd__help,stop)
                cmd="ironbox__subcmd__export__subcmd__help__subcmd__stop"
                ;;
            ironbox__subcmd__firmware,help)
                cmd="ironbox__subcmd__firmware__subcmd__help"
                ;;
            ironbox__subcmd__firmware,list)
                cmd="ironbox__subcmd__firmware__subcmd__list"
                ;;
            ironbox__subcmd__firmware,settings)
                cmd="ironbox__subcmd__firmware__subcmd__settings"
                ;;
            ironbox__subcmd__firmware,status)
                cmd="ironbox__subcmd__firmware__subcmd__status"
                ;;
            ironbox__subcmd__firmware,update)
                cmd="ironbox__subcmd__firmware__subcmd__update"
                ;;
            ironbox__subcmd__firmware,virtualization)
                cmd="ironbox__subcmd__firmware__subcmd__virtualization"
                ;;
            ironbox__subcmd__firmware__subcmd__help,help)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__firmware__subcmd__help,list)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__list"
                ;;
            ironbox__subcmd__firmware__subcmd__help,settings)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__settings"
                ;;
            ironbox__subcmd__firmware__subcmd__help,status)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__status"
                ;;
            ironbox__subcmd__firmware__subcmd__help,update)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__update"
                ;;
            ironbox__subcmd__firmware__subcmd__help,virtualization)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__virtualization"
                ;;
            ironbox__subcmd__firmware__subcmd__help__subcmd__settings,get)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__get"
                ;;
            ironbox__subcmd__firmware__subcmd__help__subcmd__settings,list)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__list"
                ;;
            ironbox__subcmd__firmware__subcmd__help__subcmd__settings,set)
                cmd="ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__set"
                ;;
            ironbox__subcmd__firmware__subcmd__settings,get)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__get"
                ;;
            ironbox__subcmd__firmware__subcmd__settings,help)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__help"
                ;;
            ironbox__subcmd__firmware__subcmd__settings,list)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__list"
                ;;
            ironbox__subcmd__firmware__subcmd__settings,set)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__set"
                ;;
            ironbox__subcmd__firmware__subcmd__settings__subcmd__help,get)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__get"
                ;;
            ironbox__subcmd__firmware__subcmd__settings__subcmd__help,help)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__firmware__subcmd__settings__subcmd__help,list)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__list"
                ;;
            ironbox__subcmd__firmware__subcmd__settings__subcmd__help,set)
                cmd="ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__set"
                ;;
            ironbox__subcmd__help,agent)
                cmd="ironbox__subcmd__help__subcmd__agent"
                ;;
            ironbox__subcmd__help,attach)
                cmd="ironbox__subcmd__help__subcmd__attach"
                ;;
            ironbox__subcmd__help,bootloader)
                cmd="ironbox__subcmd__help__subcmd__bootloader"
                ;;
            ironbox__subcmd__help,check-disk)
                cmd="ironbox__subcmd__help__subcmd__check__subcmd__disk"
                ;;
            ironbox__subcmd__help,configdrive)
                cmd="ironbox__subcmd__help__subcmd__configdrive"
                ;;
            ironbox__subcmd__help,detach)
                cmd="ironbox__subcmd__help__subcmd__detach"
                ;;
            ironbox__subcmd__help,erase)
                cmd="ironbox__subcmd__help__subcmd__erase"
                ;;
            ironbox__subcmd__help,export)
                cmd="ironbox__subcmd__help__subcmd__export"
                ;;
            ironbox__subcmd__help,firmware)
                cmd="ironbox__subcmd__help__subcmd__firmware"
                ;;
            ironbox__subcmd__help,generate)
                cmd="ironbox__subcmd__help__subcmd__generate"
                ;;
            ironbox__subcmd__help,help)
                cmd="ironbox__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__help,image-cache)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__cache"
                ;;
            ironbox__subcmd__help,image-write)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__write"
                ;;
            ironbox__subcmd__help,inventory)
                cmd="ironbox__subcmd__help__subcmd__inventory"
                ;;
            ironbox__subcmd__help,partition)
                cmd="ironbox__subcmd__help__subcmd__partition"
                ;;
            ironbox__subcmd__help__subcmd__attach,iscsi)
                cmd="ironbox__subcmd__help__subcmd__attach__subcmd__iscsi"
                ;;
            ironbox__subcmd__help__subcmd__attach,nvme-tcp)
                cmd="ironbox__subcmd__help__subcmd__attach__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__help__subcmd__bootloader,clean-nvram)
                cmd="ironbox__subcmd__help__subcmd__bootloader__subcmd__clean__subcmd__nvram"
                ;;
            ironbox__subcmd__help__subcmd__bootloader,grub)
                cmd="ironbox__subcmd__help__subcmd__bootloader__subcmd__grub"
                ;;
            ironbox__subcmd__help__subcmd__bootloader,uefi)
                cmd="ironbox__subcmd__help__subcmd__bootloader__subcmd__uefi"
                ;;
            ironbox__subcmd__help__subcmd__configdrive,build)
                cmd="ironbox__subcmd__help__subcmd__configdrive__subcmd__build"
                ;;
            ironbox__subcmd__help__subcmd__configdrive,read)
                cmd="ironbox__subcmd__help__subcmd__configdrive__subcmd__read"
                ;;
            ironbox__subcmd__help__subcmd__configdrive,write)
                cmd="ironbox__subcmd__help__subcmd__configdrive__subcmd__write"
                ;;
            ironbox__subcmd__help__subcmd__detach,iscsi)
                cmd="ironbox__subcmd__help__subcmd__detach__subcmd__iscsi"
                ;;
            ironbox__subcmd__help__subcmd__detach,nvme-tcp)
                cmd="ironbox__subcmd__help__subcmd__detach__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__help__subcmd__export,iscsi)
                cmd="ironbox__subcmd__help__subcmd__export__subcmd__iscsi"
                ;;
            ironbox__subcmd__help__subcmd__export,list)
                cmd="ironbox__subcmd__help__subcmd__export__subcmd__list"
                ;;
            ironbox__subcmd__help__subcmd__export,nvme-tcp)
                cmd="ironbox__subcmd__help__subcmd__export__subcmd__nvme__subcmd__tcp"
                ;;
            ironbox__subcmd__help__subcmd__export,stop)
                cmd="ironbox__subcmd__help__subcmd__export__subcmd__stop"
                ;;
            ironbox__subcmd__help__subcmd__firmware,list)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__list"
                ;;
            ironbox__subcmd__help__subcmd__firmware,settings)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__settings"
                ;;
            ironbox__subcmd__help__subcmd__firmware,status)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__status"
                ;;
            ironbox__subcmd__help__subcmd__firmware,update)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__update"
                ;;
            ironbox__subcmd__help__subcmd__firmware,virtualization)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__virtualization"
                ;;
            ironbox__subcmd__help__subcmd__firmware__subcmd__settings,get)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__get"
                ;;
            ironbox__subcmd__help__subcmd__firmware__subcmd__settings,list)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__list"
                ;;
            ironbox__subcmd__help__subcmd__firmware__subcmd__settings,set)
                cmd="ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__set"
                ;;
            ironbox__subcmd__help__subcmd__image__subcmd__cache,evict)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__evict"
                ;;
            ironbox__subcmd__help__subcmd__image__subcmd__cache,fetch)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__fetch"
                ;;
            ironbox__subcmd__help__subcmd__image__subcmd__cache,gc)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__gc"
                ;;
            ironbox__subcmd__help__subcmd__image__subcmd__cache,list)
                cmd="ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__list"
                ;;
            ironbox__subcmd__image__subcmd__cache,evict)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__evict"
                ;;
            ironbox__subcmd__image__subcmd__cache,fetch)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__fetch"
                ;;
            ironbox__subcmd__image__subcmd__cache,gc)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__gc"
                ;;
            ironbox__subcmd__image__subcmd__cache,help)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help"
                ;;
            ironbox__subcmd__image__subcmd__cache,list)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__list"
                ;;
            ironbox__subcmd__image__subcmd__cache__subcmd__help,evict)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__evict"
                ;;
            ironbox__subcmd__image__subcmd__cache__subcmd__help,fetch)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__fetch"
                ;;
            ironbox__subcmd__image__subcmd__cache__subcmd__help,gc)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__gc"
                ;;
            ironbox__subcmd__image__subcmd__cache__subcmd__help,help)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__help"
                ;;
            ironbox__subcmd__image__subcmd__cache__subcmd__help,list)
                cmd="ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__list"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        ironbox)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__agent)
            opts="-v -q -h -V --cmdline --state-dir --ca-cert --network-wait --request-timeout --power-off-command --reboot-command --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --state-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --network-wait)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --request-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --power-off-command)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --reboot-command)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version iscsi nvme-tcp help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__help)
            opts="iscsi nvme-tcp help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__help__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__help__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__iscsi)
            opts="-v -q -h -V --portal --target --lun --tpgt --initiator --chap-user --chap-secret-file --mutual-user --mutual-secret-file --firmware --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --portal)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --target)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lun)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --tpgt)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --initiator)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chap-user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chap-secret-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mutual-user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mutual-secret-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__attach__subcmd__nvme__subcmd__tcp)
            opts="-v -q -h -V --addr --port --nqn --hostnqn --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --addr)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nqn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hostnqn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version uefi clean-nvram grub help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__clean__subcmd__nvram)
            opts="-v -q -h -V --match --dry-run --efivars --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --match)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --efivars)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__grub)
            opts="-v -q -h -V --disk --hints --candidates --explain --root --esp --mode --bootloader-id --dry-run --efivars --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --esp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mode)
                    COMPREPLY=($(compgen -W "bios uefi" -- "${cur}"))
                    return 0
                    ;;
                --bootloader-id)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --efivars)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__help)
            opts="uefi clean-nvram grub help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__help__subcmd__clean__subcmd__nvram)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__help__subcmd__grub)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__help__subcmd__uefi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__bootloader__subcmd__uefi)
            opts="-v -q -h -V --disk --hints --candidates --explain --label --dry-run --efivars --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --label)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --efivars)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__check__subcmd__disk)
            opts="-v -q -h -V --disk --hints --candidates --explain --force --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version build write read help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__build)
            opts="-o -v -q -h -V --from-json --from-dir --meta-data --user-data --network-data --vendor-data --fs --size --sector-size --output --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --from-json)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --from-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --meta-data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --network-data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vendor-data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --fs)
                    COMPREPLY=($(compgen -W "iso9660 vfat" -- "${cur}"))
                    return 0
                    ;;
                --size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --sector-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__help)
            opts="build write read help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__help__subcmd__build)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__help__subcmd__read)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__help__subcmd__write)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__read)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__configdrive__subcmd__write)
            opts="-v -q -h -V --disk --hints --candidates --explain --from-json --fs --size --max-size --dry-run --force --retries --timeout --header --location-trusted --deadline --ca-cert --insecure --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --from-json)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --fs)
                    COMPREPLY=($(compgen -W "iso9660 vfat" -- "${cur}"))
                    return 0
                    ;;
                --size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --header)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deadline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version iscsi nvme-tcp help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__help)
            opts="iscsi nvme-tcp help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__help__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__help__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__iscsi)
            opts="-v -q -h -V --target --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --target)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__detach__subcmd__nvme__subcmd__tcp)
            opts="-v -q -h -V --nqn --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --nqn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__erase)
            opts="-v -q -h -V --disk --all --skip --method --passes --no-final-zero --verify --fallback --concurrency --dry-run --force --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --skip)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --method)
                    COMPREPLY=($(compgen -W "auto express metadata zeroout discard secure-discard overwrite nvme-format nvme-crypto-format nvme-sanitize-block nvme-sanitize-crypto nvme-sanitize-overwrite ata-secure-erase ata-enhanced-secure-erase ata-sanitize-block ata-sanitize-crypto" -- "${cur}"))
                    return 0
                    ;;
                --passes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --verify)
                    COMPREPLY=($(compgen -W "none sample full" -- "${cur}"))
                    return 0
                    ;;
                --concurrency)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version iscsi nvme-tcp list stop help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help)
            opts="iscsi nvme-tcp list stop help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__help__subcmd__stop)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__iscsi)
            opts="-v -q -h -V --disk --hints --candidates --explain --partition --force --dry-run --iqn --portal --allow --chap-user --chap-secret-file --mutual-user --mutual-secret-file --read-only --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --partition)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --iqn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --portal)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chap-user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chap-secret-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mutual-user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mutual-secret-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__list)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__nvme__subcmd__tcp)
            opts="-v -q -h -V --disk --hints --candidates --explain --partition --force --dry-run --nqn --addr --port --allow-host --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --partition)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nqn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --addr)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --allow-host)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__export__subcmd__stop)
            opts="-v -q -h -V --all --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version list update status settings virtualization help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help)
            opts="list update status settings virtualization help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__settings)
            opts="list get set"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__settings__subcmd__set)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__update)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__help__subcmd__virtualization)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__list)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings)
            opts="-v -q -h -V --password-file --pretty --progress --verbose --report-schema --quiet --sysroot --help --version list get set help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__get)
            opts="-v -q -h -V --password-file --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__help)
            opts="list get set help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__help__subcmd__set)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__list)
            opts="-v -q -h -V --password-file --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__settings__subcmd__set)
            opts="-v -q -h -V --password-file --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__status)
            opts="-v -q -h -V --component --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --component)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__update)
            opts="-v -q -h --component --image --checksum --version --method --allow-downgrade --dry-run --esp --slot --plugin --retries --timeout --header --location-trusted --deadline --ca-cert --insecure --pretty --progress --verbose --report-schema --quiet --sysroot --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --component)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --image)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --checksum)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --method)
                    COMPREPLY=($(compgen -W "capsule capsule-on-disk nvme plugin" -- "${cur}"))
                    return 0
                    ;;
                --esp)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --slot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --plugin)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --header)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deadline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__firmware__subcmd__virtualization)
            opts="-v -q -h -V --enable --disable --password-file --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__generate)
            opts="-v -q -h -V --out --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help)
            opts="agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__agent)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__attach)
            opts="iscsi nvme-tcp"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__attach__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__attach__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__bootloader)
            opts="uefi clean-nvram grub"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__bootloader__subcmd__clean__subcmd__nvram)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__bootloader__subcmd__grub)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__bootloader__subcmd__uefi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__check__subcmd__disk)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__configdrive)
            opts="build write read"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__configdrive__subcmd__build)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__configdrive__subcmd__read)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__configdrive__subcmd__write)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__detach)
            opts="iscsi nvme-tcp"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__detach__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__detach__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__erase)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__export)
            opts="iscsi nvme-tcp list stop"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__export__subcmd__iscsi)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__export__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__export__subcmd__nvme__subcmd__tcp)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__export__subcmd__stop)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware)
            opts="list update status settings virtualization"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__settings)
            opts="list get set"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__settings__subcmd__set)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__update)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__firmware__subcmd__virtualization)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__generate)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__cache)
            opts="fetch list evict gc"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__evict)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__fetch)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__gc)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__cache__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__image__subcmd__write)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__inventory)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__help__subcmd__partition)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache)
            opts="-v -q -h -V --pretty --progress --verbose --report-schema --quiet --sysroot --help --version fetch list evict gc help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__evict)
            opts="-v -q -h -V --cache-dir --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__fetch)
            opts="-v -q -h -V --checksum --cache-dir --retries --timeout --header --location-trusted --deadline --ca-cert --insecure --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --checksum)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --header)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deadline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__gc)
            opts="-v -q -h -V --max --cache-dir --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --max)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help)
            opts="fetch list evict gc help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__evict)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__fetch)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__gc)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__cache__subcmd__list)
            opts="-v -q -h -V --cache-dir --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__image__subcmd__write)
            opts="-v -q -h -V --disk --hints --candidates --explain --partition --checksum --format --sparse --verify --no-written-sha256 --cache-dir --retries --timeout --header --location-trusted --deadline --ca-cert --insecure --dry-run --force --preserve-on-error --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --partition)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --checksum)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "auto raw qcow2" -- "${cur}"))
                    return 0
                    ;;
                --sparse)
                    COMPREPLY=($(compgen -W "auto write skip" -- "${cur}"))
                    return 0
                    ;;
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --retries)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --header)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deadline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ca-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__inventory)
            opts="-v -q -h -V --sections --include-loop --lldp --lldp-timeout --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --sections)
                    COMPREPLY=($(compgen -W "cpu memory disks interfaces system_vendor boot bmc hostname pci_devices numa_topology" -- "${cur}"))
                    return 0
                    ;;
                --lldp-timeout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        ironbox__subcmd__partition)
            opts="-v -q -h -V --disk --hints --candidates --explain --layout --table --boot-mode --root --swap --ephemeral --ephemeral-format --configdrive --wipe --keep --dry-run --force --schema --pretty --progress --verbose --report-schema --quiet --sysroot --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --disk)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hints)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --candidates)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --layout)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --table)
                    COMPREPLY=($(compgen -W "gpt msdos" -- "${cur}"))
                    return 0
                    ;;
                --boot-mode)
                    COMPREPLY=($(compgen -W "uefi bios" -- "${cur}"))
                    return 0
                    ;;
                --root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --swap)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ephemeral)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ephemeral-format)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --configdrive)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --progress)
                    COMPREPLY=($(compgen -W "auto bar plain json none" -- "${cur}"))
                    return 0
                    ;;
                --sysroot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _ironbox -o nosort -o bashdefault -o default ironbox
else
    complete -F _ironbox -o bashdefault -o default ironbox
fi
