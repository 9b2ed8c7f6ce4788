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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l partition -d 'Write a partition image into this partition (number or GPT label) of --disk' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l checksum -d 'Expected checksum: ALGO:HEX (md5, sha1, sha256, sha384, sha512), bare hex, or a checksum-file URL' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l format -d 'Image format' -r -f -a "auto\t'Sniff from magic bytes'
raw\t'Write the (decompressed) bytes as they are'
qcow2\t'Require qcow2'"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l sparse -d 'Zero runs: BLKZEROOUT (auto), written as zeros (write), or skipped (skip)' -r -f -a "auto\t'Zero runs become BLKZEROOUT (write-zeroes, or hole punching on loop devices)'
write\t'Zero runs are written as zeros'
skip\t'Zero runs are skipped: the operator asserts the target already reads back zeros'"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l cache-dir -d 'Image cache: read a verified hit without downloading, fill it on a miss' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l retries -d 'Retries for connection errors, 408, 429 and 5xx (capped exponential backoff)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l timeout -d 'Seconds without a byte before a connection counts as stalled (then resumed)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l header -d 'Extra request header, e.g. \'Authorization: Bearer ...\' (repeatable)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l verify -d 'Read back what was written and compare its sha256 with the decoded image\'s'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l dry-run -d 'Validate everything and print the plan; open nothing for writing'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l force -d 'Override the busy rules (mounted, swap, holders, protected filesystems)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l preserve-on-error -d 'On failure, leave the partition-table areas as they are instead of zeroing them'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -f -a "fetch" -d 'Download SOURCE, verify it against --checksum and store it under its checksum'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -f -a "list" -d 'List cached images, least recently used first'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -f -a "evict" -d 'Remove one cached image by key (ALGO-HEX)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -f -a "gc" -d 'Evict least recently used images until the cache holds at most --max bytes'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l checksum -d 'Expected checksum (required: entries are addressed by it)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l cache-dir -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l retries -d 'Retries for connection errors, 408, 429 and 5xx (capped exponential backoff)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l timeout -d 'Seconds without a byte before a connection counts as stalled (then resumed)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l header -d 'Extra request header, e.g. \'Authorization: Bearer ...\' (repeatable)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -l cache-dir -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -l cache-dir -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l max -d 'Size limit: bytes or K/M/G/T (binary)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l cache-dir -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "fetch" -d 'Download SOURCE, verify it against --checksum and store it under its checksum'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'List cached images, least recently used first'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "evict" -d 'Remove one cached image by key (ALGO-HEX)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "gc" -d 'Evict least recently used images until the cache holds at most --max bytes'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "fetch" -d 'Download SOURCE, verify it against --checksum and store it under its checksum'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "list" -d 'List cached images, least recently used first'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "evict" -d 'Remove one cached image by key (ALGO-HEX)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "gc" -d 'Evict least recently used images until the cache holds at most --max bytes'
