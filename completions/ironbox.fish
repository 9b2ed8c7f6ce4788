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
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -f -a "build" -d 'Build a config drive image from Ironic\'s JSON dict, a directory or separate files'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -f -a "write" -d 'Put a config drive into the disk\'s config-2 partition (created at the end when missing)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -f -a "read" -d 'Find the config drive on a disk or in an image the way cloud-init does, and check it'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l from-json -d 'Ironic\'s dict: {"meta_data": {...}, "user_data": "..." or {...}, "network_data": {...}, "vendor_data": {...}}' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l from-dir -d 'A directory holding the drive\'s tree (openstack/latest/meta_data.json, ...)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l meta-data -d 'meta_data.json (must have "uuid")' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l user-data -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l network-data -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l vendor-data -d 'Written as vendor_data2.json' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l fs -d 'Filesystem of the image' -r -f -a "iso9660\t''
vfat\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l size -d 'vfat only: volume size (default 16M)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l sector-size -d 'vfat only: sector size of the disk it is meant for (512 or 4096)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -s o -l output -d 'Output file, or - for stdout' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l from-json -d 'Build the drive from Ironic\'s dict instead of taking an image' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l fs -d 'Filesystem to write (default: the image\'s own; iso9660 when building; vfat on disks with sectors larger than 2048 bytes, where Linux cannot mount ISO 9660)' -r -f -a "iso9660\t''
vfat\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l size -d 'Size of a new config-2 partition' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l max-size -d 'Largest decoded config drive accepted (IPA\'s limit is 64 MiB)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l dry-run -d 'Validate and plan, open nothing for writing, print the plan'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l force -d 'Write even when the disk looks busy (mounted, held)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "build" -d 'Build a config drive image from Ironic\'s JSON dict, a directory or separate files'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "write" -d 'Put a config drive into the disk\'s config-2 partition (created at the end when missing)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "read" -d 'Find the config drive on a disk or in an image the way cloud-init does, and check it'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s h -l help -d 'Print help'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "build" -d 'Build a config drive image from Ironic\'s JSON dict, a directory or separate files'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "write" -d 'Put a config drive into the disk\'s config-2 partition (created at the end when missing)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "read" -d 'Find the config drive on a disk or in an image the way cloud-init does, and check it'
