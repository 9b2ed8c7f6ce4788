# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ironbox_global_optspecs
    string join \n pretty progress= v/verbose report-schema q/quiet sysroot= h/help V/version
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
complete -c ironbox -n "__fish_ironbox_needs_command" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_needs_command" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_needs_command" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_needs_command" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "agent" -d 'Speak Ironic\'s agent protocol: inspection POST, lookup, heartbeats (IPA\'s kernel parameters)'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "inventory" -d 'Hardware inventory in IPA\'s shape (cpu, memory, disks, interfaces, system, boot, bmc)'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "partition" -d 'Write a GPT or MBR partition table from a JSON layout or IPA-style flags'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "image-write" -d 'Stream an image (raw, gzip, zstd, xz, qcow2) from a URL, file or stdin to a disk, verified'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "image-cache" -d 'Manage the local content-addressed image cache'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "configdrive" -d 'Build, write and read OpenStack config drives'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "firmware" -d 'List, update and check firmware; BIOS settings; virtualization'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "erase" -d 'Erase disks with the strongest method each supports, verified, with a certificate'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "bootloader" -d 'Make a deployed disk bootable: UEFI boot entries, NVRAM cleaning'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "export" -d 'Export a disk over iSCSI or NVMe/TCP; list and stop exports'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "attach" -d 'Attach a remote volume (iSCSI, NVMe/TCP) as a local disk'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "detach" -d 'Detach a remote volume attached with `attach`'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "check-disk" -d 'Resolve a target disk and check the safety rules without touching it'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "generate" -d 'Write completions/ and man/ from these definitions'
complete -c ironbox -n "__fish_ironbox_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l cmdline -d 'Read the kernel parameters (ipa-api-url, BOOTIF, ...) from FILE' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l state-dir -d 'Where agent.json and inspection.json are kept' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l ca-cert -d 'Also trust the CA certificates in this PEM file (used when it exists)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l network-wait -d 'Seconds to wait for a route to Ironic (DHCP) before trying anyway' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l request-timeout -d 'Seconds for each HTTP request to connect, answer and send each part of its body' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l power-off-command -d 'The command the API\'s standby.power_off runs' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l reboot-command -d 'The command the API\'s standby.reboot and run_image run' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand agent" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l sections -d 'Collect only these sections (comma-separated)' -r -f -a "cpu\t''
memory\t''
disks\t''
interfaces\t''
system_vendor\t''
boot\t''
bmc\t''
hostname\t''
pci_devices\t''
numa_topology\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l lldp-timeout -d 'How long to listen for LLDP frames, in seconds' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l include-loop -d 'List loop devices among the disks (for testing; IPA never does)'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l lldp -d 'Listen for LLDP frames on each interface and report their TLVs'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand inventory" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l layout -d 'Layout document (JSON; see --schema), or - to read it from stdin' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l table -d 'IPA-style: table type (default gpt for uefi, msdos for bios)' -r -f -a "gpt\t''
msdos\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l boot-mode -d 'IPA-style: uefi adds a 550 MiB ESP; bios on gpt adds a 1 MiB BIOS boot partition' -r -f -a "uefi\t''
bios\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l root -d 'IPA-style: root partition size (a bare number is MiB) or `rest`; placed last' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l swap -d 'IPA-style: swap partition size (formatted with mkswap, label swap1)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l ephemeral -d 'IPA-style: ephemeral partition size (formatted ext4, label ephemeral0)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l ephemeral-format -d 'IPA-style: the ephemeral partition\'s filesystem instead of ext4 (IPA\'s ephemeral_format)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l configdrive -d 'IPA-style: config drive partition size (label config-2, left unformatted)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l keep -d 'Keep this existing partition (by GPT label or number) where it is; repeatable' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l wipe -d 'Allow replacing an existing partition table or filesystem (its signatures are zeroed)'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l dry-run -d 'Validate and print the plan; write nothing'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l force -d 'Override the busy safety rules (mounted, swap, holders, protected filesystems)'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l schema -d 'Print the JSON Schema of the layout document and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand partition" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l header -d 'Extra request header, e.g. \'X-Auth-Token: ...\' (repeatable); sent to the URL\'s origin only, not to a redirect target on another host, port or scheme' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l deadline -d 'Give up once this many seconds have passed since the command started, whatever the server does (retries, resumes and slow bodies included)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l verify -d 'Read back what was written and compare its sha256 with the decoded image\'s'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l no-written-sha256 -d 'Do not hash the decoded image (written_sha256 is then null). Hashing reads every zero of a sparse image at about 2 GB/s; without it the time follows the data only'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l location-trusted -d 'Send the --header values to redirect targets on other origins too (as curl\'s option)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l dry-run -d 'Validate everything and print the plan; open nothing for writing'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l force -d 'Override the busy rules (mounted, swap, holders, protected filesystems)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l preserve-on-error -d 'On failure, keep what was written instead of zeroing the first and last MiB (the old ones are cleared before the first byte all the same)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-write" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and not __fish_seen_subcommand_from fetch list evict gc help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l header -d 'Extra request header, e.g. \'X-Auth-Token: ...\' (repeatable); sent to the URL\'s origin only, not to a redirect target on another host, port or scheme' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l deadline -d 'Give up once this many seconds have passed since the command started, whatever the server does (retries, resumes and slow bodies included)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l location-trusted -d 'Send the --header values to redirect targets on other origins too (as curl\'s option)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from fetch" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from list" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from evict" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from gc" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "fetch" -d 'Download SOURCE, verify it against --checksum and store it under its checksum'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'List cached images, least recently used first'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "evict" -d 'Remove one cached image by key (ALGO-HEX)'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "gc" -d 'Evict least recently used images until the cache holds at most --max bytes'
complete -c ironbox -n "__fish_ironbox_using_subcommand image-cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and not __fish_seen_subcommand_from build write read help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from build" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l retries -d 'Retries for connection errors, 408, 429 and 5xx (capped exponential backoff)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l timeout -d 'Seconds without a byte before a connection counts as stalled (then resumed)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l header -d 'Extra request header, e.g. \'X-Auth-Token: ...\' (repeatable); sent to the URL\'s origin only, not to a redirect target on another host, port or scheme' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l deadline -d 'Give up once this many seconds have passed since the command started, whatever the server does (retries, resumes and slow bodies included)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l dry-run -d 'Validate and plan, open nothing for writing, print the plan'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l force -d 'Write even when the disk looks busy (mounted, held)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l location-trusted -d 'Send the --header values to redirect targets on other origins too (as curl\'s option)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from write" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from read" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "build" -d 'Build a config drive image from Ironic\'s JSON dict, a directory or separate files'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "write" -d 'Put a config drive into the disk\'s config-2 partition (created at the end when missing)'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "read" -d 'Find the config drive on a disk or in an image the way cloud-init does, and check it'
complete -c ironbox -n "__fish_ironbox_using_subcommand configdrive; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "list" -d 'Every firmware component with its version: bios, bmc, nic:*, disk:*, esrt:*, cpu-microcode, and what plug-ins report'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "update" -d 'Apply a checksum-verified firmware image to one component'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "status" -d 'Whether the last update took (ESRT last attempt, NVMe active slot, pending capsules)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "settings" -d 'BIOS settings through the kernel\'s firmware-attributes class'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "virtualization" -d 'CPU virtualization, its firmware enablement, IOMMU and SR-IOV; switch it on or off'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and not __fish_seen_subcommand_from list update status settings virtualization help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l component -d 'Component id from `firmware list` (esrt:<guid>, bios, disk:nvme0n1, or a plug-in\'s id)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l image -d 'The firmware image: a local path, file://, http:// or https:// URL (at most 256 MiB)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l checksum -d 'Expected checksum of the image: ALGO:HEX (md5, sha1, sha256, sha384, sha512) or bare hex' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l version -d 'The version the image carries: equal to the current one → up_to_date, nothing applied' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l method -d 'How to apply it (default: chosen from the component)' -r -f -a "capsule\t'Hand a UEFI capsule to the kernel\'s loader (/dev/efi_capsule_loader)'
capsule-on-disk\t'Put a UEFI capsule under the ESP\'s \\EFI\\UpdateCapsule\\ and set OsIndications'
nvme\t'NVMe Firmware Image Download + Firmware Commit (activated at the next reset)'
plugin\t'A vendor plug-in `ironbox-firmware-<name>` on PATH'"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l esp -d 'Mount point of the EFI system partition (capsule-on-disk)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l slot -d 'NVMe firmware slot to write (1-7; default: the controller chooses)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l plugin -d 'The plug-in to use (`ironbox-firmware-<NAME>`; default: the one that lists the component)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l retries -d 'Retries for connection errors, 408, 429 and 5xx (capped exponential backoff)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l timeout -d 'Seconds without a byte before a connection counts as stalled (then resumed)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l header -d 'Extra request header, e.g. \'X-Auth-Token: ...\' (repeatable); sent to the URL\'s origin only, not to a redirect target on another host, port or scheme' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l deadline -d 'Give up once this many seconds have passed since the command started, whatever the server does (retries, resumes and slow bodies included)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l ca-cert -d 'Also trust the CA certificates in this PEM file (besides the system store)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l allow-downgrade -d 'Allow a version older than the ESRT\'s lowest supported version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l dry-run -d 'Fetch, verify and validate everything, write nothing, print the plan'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l location-trusted -d 'Send the --header values to redirect targets on other origins too (as curl\'s option)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l insecure -d 'Do not verify TLS certificates (opt-in, for labs only)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -l component -d 'Only this component' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -l password-file -d 'File holding the BIOS admin password (when the firmware requires one to change settings)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -f -a "list" -d 'Every setting with its type, value and allowed values'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -f -a "get" -d 'One setting'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -f -a "set" -d 'Change settings (validated first, all or nothing); applied at the next reboot'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from settings" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l password-file -d 'File holding the BIOS admin password, when settings are protected' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l enable -d 'Turn CPU virtualization on in firmware (applied at the next reboot)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l disable -d 'Turn CPU virtualization off in firmware (applied at the next reboot)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from virtualization" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every firmware component with its version: bios, bmc, nic:*, disk:*, esrt:*, cpu-microcode, and what plug-ins report'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "update" -d 'Apply a checksum-verified firmware image to one component'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "status" -d 'Whether the last update took (ESRT last attempt, NVMe active slot, pending capsules)'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "settings" -d 'BIOS settings through the kernel\'s firmware-attributes class'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "virtualization" -d 'CPU virtualization, its firmware enablement, IOMMU and SR-IOV; switch it on or off'
complete -c ironbox -n "__fish_ironbox_using_subcommand firmware; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l disk -d 'Disks to erase: device paths or /dev/disk/by-* links (repeat, or list after one flag)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l skip -d 'Leave out disks matching any of these root-device hint objects (a JSON object or list), IPA\'s skip_block_devices, e.g. \'[{"name": "/dev/sdb"}, {"serial": "S1"}]\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l method -d 'Erase method; `auto` picks the strongest the device supports, else overwrite; `express` a fast NVMe format where there is one, else metadata' -r -f -a "auto\t'The strongest method the device supports (NVMe/ATA sanitize or secure erase), else overwrite'
express\t'Time-optimised, IPA\'s erase_devices_express: NVMe Format NVM (crypto erase, else user-data erase) where the namespace supports it, else metadata; never an overwrite'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ironbox -n "__fish_ironbox_using_subcommand erase" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -f -a "uefi" -d 'Add Boot#### entries for the loaders on the disk\'s ESP and put them first in BootOrder'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -f -a "clean-nvram" -d 'Remove Boot#### entries matching patterns (IPA\'s clean_uefi_nvram)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -f -a "grub" -d 'Install grub from a partition image\'s own root (chroot), for BIOS or UEFI'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and not __fish_seen_subcommand_from uefi clean-nvram grub help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l label -d 'Description of the entries made (default: the label in the image\'s BOOTX64.CSV, else "ironbox")' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l efivars -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l dry-run -d 'Validate and print the plan; write no variable'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from uefi" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l match -d 'Remove entries whose device path or description matches REGEX (case-insensitive; repeatable; default: ^HD\\( shim.*\\.efi grub.*\\.efi)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l efivars -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l dry-run -d 'Print what would be removed; change nothing'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from clean-nvram" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l root -d 'The image\'s root partition: its number on the disk or its device node' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l esp -d 'The ESP (UEFI): number or node; default the disk\'s GPT ESP' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l mode -d 'Firmware to install for (default: uefi when booted in UEFI mode, else bios)' -r -f -a "bios\t''
uefi\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l bootloader-id -d 'UEFI: the directory under EFI/ and the boot entry\'s description' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l efivars -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l dry-run -d 'Validate and print the plan; mount and run nothing'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from grub" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from help" -f -a "uefi" -d 'Add Boot#### entries for the loaders on the disk\'s ESP and put them first in BootOrder'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from help" -f -a "clean-nvram" -d 'Remove Boot#### entries matching patterns (IPA\'s clean_uefi_nvram)'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from help" -f -a "grub" -d 'Install grub from a partition image\'s own root (chroot), for BIOS or UEFI'
complete -c ironbox -n "__fish_ironbox_using_subcommand bootloader; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -f -a "iscsi" -d 'Export a disk over iSCSI through the kernel\'s LIO target'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -f -a "nvme-tcp" -d 'Export a disk over NVMe/TCP through the kernel\'s nvmet target'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -f -a "list" -d 'List the exports configured in the kernel (read back from configfs)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -f -a "stop" -d 'Tear down one export (by IQN or NQN) or all of them; stopping what is gone is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and not __fish_seen_subcommand_from iscsi nvme-tcp list stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l partition -d 'Export only this partition of the disk (its number)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l iqn -d 'Target name (default: iqn.2008-10.org.openstack:<host>-<device>, IPA\'s prefix)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l portal -d 'Address and port to listen on' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l allow -d 'Allow only these initiators (repeatable); without it any initiator may log in' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l chap-user -d 'CHAP user name the initiator must log in with' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l chap-secret-file -d 'File holding the CHAP secret (one line; never printed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l mutual-user -d 'Mutual CHAP: the user name the target answers with' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l mutual-secret-file -d 'Mutual CHAP: file holding the target\'s secret' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l force -d 'Export a disk even when it is busy (mounted, swap, held by md/dm/LVM)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l dry-run -d 'Validate and print the configuration without touching the kernel'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l read-only -d 'Refuse writes from initiators'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from iscsi" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l disk -d 'Target disk: a device path, a /dev/disk/by-* link, or `auto` to pick one with --hints' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l hints -d 'Root-device hints as JSON, IPA semantics, e.g. \'{"size": ">= 100", "rotational": false}\'' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l candidates -d 'With --disk auto: choose only among these disks (comma-separated; loop devices allowed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l partition -d 'Export only this partition of the disk (its number)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l nqn -d 'Subsystem name (default: nqn.2014-08.org.openstack.ironbox:<host>-<device>)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l addr -d 'Address to listen on' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l port -d 'TCP port to listen on' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l allow-host -d 'Allow only these host NQNs (repeatable); without it any host may connect' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l explain -d 'Include in the report why each disk matched the hints or not'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l force -d 'Export a disk even when it is busy (mounted, swap, held by md/dm/LVM)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l dry-run -d 'Validate and print the configuration without touching the kernel'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from nvme-tcp" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -l all -d 'Stop every export'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "iscsi" -d 'Export a disk over iSCSI through the kernel\'s LIO target'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "nvme-tcp" -d 'Export a disk over NVMe/TCP through the kernel\'s nvmet target'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the exports configured in the kernel (read back from configfs)'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Tear down one export (by IQN or NQN) or all of them; stopping what is gone is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "iscsi" -d 'Log in to an iSCSI target (iscsistart), or to the targets the firmware\'s iBFT names'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "nvme-tcp" -d 'Connect to an NVMe/TCP subsystem'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l portal -d 'Target portal: ADDR or ADDR:PORT (IPv6 as [ADDR]:PORT; default port 3260)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l target -d 'Target IQN' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l lun -d 'The LUN whose disk the report waits for (every LUN of the target is attached)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l tpgt -d 'Target portal group tag' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l initiator -d 'Initiator IQN to log in as (default: /etc/iscsi/initiatorname.iscsi, else one made from the host name)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l chap-user -d 'CHAP user name the initiator logs in with' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l chap-secret-file -d 'File holding the initiator\'s CHAP secret (never printed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l mutual-user -d 'Mutual CHAP: the user name the target must answer with' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l mutual-secret-file -d 'Mutual CHAP: file holding the target\'s secret (never printed)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l firmware -d 'Log in to the targets the firmware\'s iBFT names (`iscsistart -b`), as IPA does at start-up; nothing to do (no iBFT, no target) is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from iscsi" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l addr -d 'Target address' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l port -d 'Target TCP port' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l nqn -d 'Subsystem NQN' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l hostnqn -d 'Host NQN to connect as (default: the kernel\'s, /etc/nvme/hostnqn when present)' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from nvme-tcp" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from help" -f -a "iscsi" -d 'Log in to an iSCSI target (iscsistart), or to the targets the firmware\'s iBFT names'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from help" -f -a "nvme-tcp" -d 'Connect to an NVMe/TCP subsystem'
complete -c ironbox -n "__fish_ironbox_using_subcommand attach; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "iscsi" -d 'Log out of every session to an iSCSI target (its disks removed first); nothing to detach is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "nvme-tcp" -d 'Disconnect every NVMe/TCP controller of a subsystem; nothing to detach is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and not __fish_seen_subcommand_from iscsi nvme-tcp help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -l target -d 'Target IQN: every session to it is logged out; nothing to detach is a success' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from iscsi" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -l nqn -d 'Subsystem NQN' -r
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -l progress -d 'Progress on stderr: bars on a terminal, plain lines otherwise, JSON lines, or nothing' -r -f -a "auto\t''
bar\t''
plain\t''
json\t''
none\t''"
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -l sysroot -d 'Read sysfs/procfs/dev under DIR instead of / (captured trees, tests)' -r -F
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -l pretty -d 'Indent the JSON report (the default when stdout is a terminal)'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -s v -l verbose -d 'More detail on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from nvme-tcp" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from help" -f -a "iscsi" -d 'Log out of every session to an iSCSI target (its disks removed first); nothing to detach is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from help" -f -a "nvme-tcp" -d 'Disconnect every NVMe/TCP controller of a subsystem; nothing to detach is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand detach; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand check-disk" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
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
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -l report-schema -d 'Print the JSON Schema of this command\'s report (bare: every command\'s) and exit'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s q -l quiet -d 'No progress or warnings on stderr'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s h -l help -d 'Print help'
complete -c ironbox -n "__fish_ironbox_using_subcommand generate" -s V -l version -d 'Print version'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "agent" -d 'Speak Ironic\'s agent protocol: inspection POST, lookup, heartbeats (IPA\'s kernel parameters)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "inventory" -d 'Hardware inventory in IPA\'s shape (cpu, memory, disks, interfaces, system, boot, bmc)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "partition" -d 'Write a GPT or MBR partition table from a JSON layout or IPA-style flags'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "image-write" -d 'Stream an image (raw, gzip, zstd, xz, qcow2) from a URL, file or stdin to a disk, verified'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "image-cache" -d 'Manage the local content-addressed image cache'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "configdrive" -d 'Build, write and read OpenStack config drives'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "firmware" -d 'List, update and check firmware; BIOS settings; virtualization'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "erase" -d 'Erase disks with the strongest method each supports, verified, with a certificate'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "bootloader" -d 'Make a deployed disk bootable: UEFI boot entries, NVRAM cleaning'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "export" -d 'Export a disk over iSCSI or NVMe/TCP; list and stop exports'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "attach" -d 'Attach a remote volume (iSCSI, NVMe/TCP) as a local disk'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "detach" -d 'Detach a remote volume attached with `attach`'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "check-disk" -d 'Resolve a target disk and check the safety rules without touching it'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "generate" -d 'Write completions/ and man/ from these definitions'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and not __fish_seen_subcommand_from agent inventory partition image-write image-cache configdrive firmware erase bootloader export attach detach check-disk generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "fetch" -d 'Download SOURCE, verify it against --checksum and store it under its checksum'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "list" -d 'List cached images, least recently used first'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "evict" -d 'Remove one cached image by key (ALGO-HEX)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from image-cache" -f -a "gc" -d 'Evict least recently used images until the cache holds at most --max bytes'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "build" -d 'Build a config drive image from Ironic\'s JSON dict, a directory or separate files'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "write" -d 'Put a config drive into the disk\'s config-2 partition (created at the end when missing)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from configdrive" -f -a "read" -d 'Find the config drive on a disk or in an image the way cloud-init does, and check it'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from firmware" -f -a "list" -d 'Every firmware component with its version: bios, bmc, nic:*, disk:*, esrt:*, cpu-microcode, and what plug-ins report'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from firmware" -f -a "update" -d 'Apply a checksum-verified firmware image to one component'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from firmware" -f -a "status" -d 'Whether the last update took (ESRT last attempt, NVMe active slot, pending capsules)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from firmware" -f -a "settings" -d 'BIOS settings through the kernel\'s firmware-attributes class'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from firmware" -f -a "virtualization" -d 'CPU virtualization, its firmware enablement, IOMMU and SR-IOV; switch it on or off'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from bootloader" -f -a "uefi" -d 'Add Boot#### entries for the loaders on the disk\'s ESP and put them first in BootOrder'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from bootloader" -f -a "clean-nvram" -d 'Remove Boot#### entries matching patterns (IPA\'s clean_uefi_nvram)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from bootloader" -f -a "grub" -d 'Install grub from a partition image\'s own root (chroot), for BIOS or UEFI'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "iscsi" -d 'Export a disk over iSCSI through the kernel\'s LIO target'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "nvme-tcp" -d 'Export a disk over NVMe/TCP through the kernel\'s nvmet target'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "list" -d 'List the exports configured in the kernel (read back from configfs)'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "stop" -d 'Tear down one export (by IQN or NQN) or all of them; stopping what is gone is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from attach" -f -a "iscsi" -d 'Log in to an iSCSI target (iscsistart), or to the targets the firmware\'s iBFT names'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from attach" -f -a "nvme-tcp" -d 'Connect to an NVMe/TCP subsystem'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from detach" -f -a "iscsi" -d 'Log out of every session to an iSCSI target (its disks removed first); nothing to detach is a success'
complete -c ironbox -n "__fish_ironbox_using_subcommand help; and __fish_seen_subcommand_from detach" -f -a "nvme-tcp" -d 'Disconnect every NVMe/TCP controller of a subsystem; nothing to detach is a success'
