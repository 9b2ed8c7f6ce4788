# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ironbox_global_optspecs
    string join \n pretty progress= v/verbose q/quiet sysroot= h/help V/version
end

function __fish_ironbox_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ironbox_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ironbox_using_subcommand
    set -l cmd (__fish_ironbox_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ironbox -n "__fish_ironbox_needs_command" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_needs_command" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_needs_command" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_needs_command" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_needs_command" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_needs_command" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_needs_command" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "inventory" -d 'Hardware inventory in IPA\'s shape (cpu, memory, disks, interfaces, system, boot, bmc)'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "partition" -d 'Write a GPT or MBR partition table from a JSON layout or IPA-style flags'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "image-write" -d 'Stream an image (raw, gzip, zstd, xz, qcow2) from a URL, file or stdin to a disk, verified'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "image-cache" -d 'Manage the local content-addressed image cache'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "configdrive" -d 'Build, write and read OpenStack config drives'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "firmware" -d 'List, update and check firmware; BIOS settings; virtualization'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "erase" -d 'Erase disks with the strongest method each supports, verified, with a certificate'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "check-disk" -d 'Resolve a target disk and check the safety rules without touching it'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "generate" -d 'Write completions/ and man/ from these definitions'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l disk -d 'Disks to erase: device paths or /dev/disk/by-* links (repeat, or list after one flag)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l skip -d 'Leave out disks matching any of these root-device hint objects (a JSON object or list), IPA\'s skip_block_devices, e.g. \'[{"name": "/dev/sdb"}, {"serial": "S1"}]\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l method -d 'Erase method; `auto` picks the strongest the device supports, else overwrite' -r -f -a "auto\t'The strongest method the device supports (NVMe/ATA sanitize or secure erase), else overwrite'
metadata\t'Remove every signature, partition table and the first/last MiB of each partition'
zeroout\t'BLKZEROOUT: the device zeroes every block'
discard\t'BLKDISCARD over the whole device'
secure-discard\t'BLKSECDISCARD over the whole device'
overwrite\t'Pseudo-random passes and a final zero pass with direct writes'
nvme-format\t'NVMe Format NVM, secure erase setting 1 (user data erase)'
nvme-crypto-format\t'NVMe Format NVM, secure erase setting 2 (cryptographic erase)'
nvme-sanitize-block\t'NVMe Sanitize, block erase'
nvme-sanitize-crypto\t'NVMe Sanitize, crypto erase'
nvme-sanitize-overwrite\t'NVMe Sanitize, overwrite'
ata-secure-erase\t'ATA SECURITY ERASE UNIT (normal)'
ata-enhanced-secure-erase\t'ATA SECURITY ERASE UNIT (enhanced)'
ata-sanitize-block\t'ATA SANITIZE, block erase'
ata-sanitize-crypto\t'ATA SANITIZE, crypto scramble'"
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l passes -d 'Pseudo-random passes of `overwrite` before its final zero pass (0: only the zero pass)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l verify -d 'Read back after erasing: a sample of blocks, every block, or nothing' -r -f -a "none\t'No read-back'
sample\t'First and last MiB and ≥ 1024 evenly spread 4 KiB blocks'
full\t'Every block'"
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l concurrency -d 'Devices erased at the same time' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l all -d 'Every whole disk, as IPA does: not loop, ram, zram, floppy or optical; read-only disks and virtual media skipped with a reason; the running system\'s disk never'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l no-final-zero -d '`overwrite` without the final zero pass (the last random pass stays on the disk)'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l fallback -d 'When a method fails, try the next one `auto` would (IPA\'s continue_if_secure_erase_fails)'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l dry-run -d 'Print the plan per device (method and why, NIST class, estimated duration); write nothing'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l force -d 'Override the busy rules (mounted, swap, holders, protected filesystems); never the running system\'s disk or a read-only one'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l force -d 'Treat the busy rules (mounted, swap, holders, protected filesystems) as overridden'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -l out -d 'Directory that receives completions/ and man/' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "inventory" -d 'Hardware inventory in IPA\'s shape (cpu, memory, disks, interfaces, system, boot, bmc)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "partition" -d 'Write a GPT or MBR partition table from a JSON layout or IPA-style flags'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "image-write" -d 'Stream an image (raw, gzip, zstd, xz, qcow2) from a URL, file or stdin to a disk, verified'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "image-cache" -d 'Manage the local content-addressed image cache'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "configdrive" -d 'Build, write and read OpenStack config drives'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "firmware" -d 'List, update and check firmware; BIOS settings; virtualization'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "erase" -d 'Erase disks with the strongest method each supports, verified, with a certificate'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "check-disk" -d 'Resolve a target disk and check the safety rules without touching it'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "generate" -d 'Write completions/ and man/ from these definitions'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from inventory partition image-write image-cache configdrive firmware erase check-disk generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
