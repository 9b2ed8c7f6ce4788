#!/usr/bin/env bash
# Regenerates the fuzz seed corpora (tests/fuzz/seeds/<target>/) with the real tools: qemu-img,
# gzip/zstd/xz, sgdisk, sfdisk, xorriso, mkfs.fat + mtools, sha256sum/md5sum. Each seed stays
# small (a few KB, the ISO and FAT images some tens of KB of mostly zeros), so that they can
# be committed; libFuzzer grows its own corpus from them under tests/fuzz/corpus/ (ignored).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fresh() { rm -rf "$1"; mkdir -p "$1"; }

# A 16 KiB raw disk: text, random bytes and zeros, so that images hold data and zero clusters.
raw=$work/disk.raw
{ printf 'ironbox fuzz seed\n%.0s' {1..64}; for i in $(seq 64); do echo "$i" | sha256sum; done; } > "$raw"
truncate -s 16K "$raw"

fresh image_stream
fresh qcow2_seekable
qemu-img convert -f raw -O qcow2 -o cluster_size=512 "$raw" qcow2_seekable/plain.qcow2
qemu-img convert -f raw -O qcow2 -c -o cluster_size=512 "$raw" qcow2_seekable/compressed.qcow2
qemu-img convert -f raw -O qcow2 -o cluster_size=512,compat=0.10 "$raw" qcow2_seekable/v2.qcow2
qemu-img convert -f raw -O qcow2 -c -o cluster_size=4096,compression_type=zstd "$raw" \
    qcow2_seekable/zstd.qcow2
qemu-img create -q -f qcow2 -o cluster_size=512 qcow2_seekable/empty.qcow2 1M
cp qcow2_seekable/plain.qcow2 qcow2_seekable/compressed.qcow2 image_stream/
gzip -9 -c qcow2_seekable/plain.qcow2 > image_stream/plain.qcow2.gz
zstd -q -19 -c "$raw" > image_stream/disk.raw.zst
xz -9 -c "$raw" > image_stream/disk.raw.xz
gzip -9 -c "$raw" > image_stream/disk.raw.gz

# Partition tables on a 40 KiB disk (80 sectors): a GPT with a 16-entry array, and an msdos
# table with an extended partition holding two logical ones (an EBR chain).
fresh partition_tables
gpt=$work/gpt.img
truncate -s 40K "$gpt"
sgdisk --resize-table=16 -n1:10:30 -c1:root -t1:8300 -n2:31:60 -t2:ef00 "$gpt" >/dev/null
cp "$gpt" partition_tables/gpt.img
mbr=$work/mbr.img
truncate -s 40K "$mbr"
printf 'label: dos\nstart=2, size=10, type=83\nstart=12, size=60, type=5\nstart=14, size=20, type=83\nstart=36, size=20, type=82\n' |
    sfdisk -q "$mbr"
cp "$mbr" partition_tables/mbr.img

# Config drives: the tree Ironic's config drives hold, as ISO 9660 (Rock Ridge + Joliet, as
# genisoimage -R -J) and as FAT.
fresh configdrive_image
tree=$work/tree
mkdir -p "$tree/openstack/latest"
printf '{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "seed"}\n' \
    > "$tree/openstack/latest/meta_data.json"
printf '#cloud-config\n' > "$tree/openstack/latest/user_data"
xorriso -report_about FAILURE -as mkisofs -quiet -R -J -V config-2 -no-pad \
    -o configdrive_image/config-2.iso "$tree"
truncate -s 64K "$work/fat.img"
mkfs.fat -n CONFIG-2 "$work/fat.img" >/dev/null
mcopy -s -i "$work/fat.img" "$tree/openstack" ::/
cp "$work/fat.img" configdrive_image/config-2.fat

# configdrive write --from-json: Ironic's dict; and the encoded forms Ironic sends.
fresh configdrive_json
cat > configdrive_json/ironic.json <<'JSON'
{"meta_data": {"uuid": "u-1", "hostname": "n1", "public_keys": {"k": "ssh-ed25519 AAAA"}},
 "user_data": "#cloud-config\n", "network_data": {"links": [{"id": "eth0", "mtu": 1500}]},
 "vendor_data": {"x": 1}}
JSON
fresh configdrive_decode
gzip -9 -c "$work/fat.img" | base64 -w0 > configdrive_decode/fat.gz.b64
base64 -w0 configdrive_json/ironic.json > configdrive_decode/json.b64

# Checksum files: first line the image name, then the file (see ironbox::fuzz).
fresh checksum_file
(cd "$work" && sha256sum disk.raw) | sed '1i disk.raw' > checksum_file/sha256sum.txt
(cd "$work" && sha256sum --tag disk.raw) | sed '1i disk.raw' > checksum_file/bsd.txt
(cd "$work" && md5sum disk.raw | cut -c1-32) | sed '1i md5:x' > checksum_file/bare.txt
printf 'disk.raw\n# comment\n%s *disk.raw\n' "$(sha512sum "$raw" | cut -c1-128)" \
    > checksum_file/sha512.txt

# Layouts and root-device hints, as the README documents them.
fresh layout_and_hints
cat > layout_and_hints/layout.json <<'JSON'
{"table": "gpt", "partitions": [
 {"name": "esp", "size": "512M", "type": "esp", "filesystem": "vfat"},
 {"name": "root", "size": "rest", "type": "linux", "filesystem": "ext4", "label": "root"}]}
JSON
printf '{"table": "msdos", "partitions": [{"size": "1G", "type": "83", "bootable": true}]}\n' \
    > layout_and_hints/msdos.json
printf '{"size": ">= 100", "rotational": false, "model": "<in> samsung intel"}\n' \
    > layout_and_hints/hints.json
printf '{"name": "s== /dev/sda", "size": "<range-in> [10, 200]", "wwn": "0x5000"}\n' \
    > layout_and_hints/hints2.json

# A UEFI capsule header (EFI_CAPSULE_HEADER: GUID, header size 28, flags, total size) and an
# SMBIOS 3 entry point (padded to 32 bytes) with types 0, 1, 17 and 127 after it.
fresh capsule_and_smbios
{
    printf '\xed\xd5\xcb\x6d\x2d\xe8\x44\x4c\xbd\xa1\x71\x94\x19\x9a\xd9\x2a'
    printf '\x1c\x00\x00\x00\x00\x00\x03\x00\x2c\x00\x00\x00'
    printf 'payload-bytes-16'
} > capsule_and_smbios/capsule.bin
{
    printf '_SM3_\x00\x18\x03\x04\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf '\x00%.0s' {1..8}
    # type 0 (BIOS): vendor, version, date
    printf '\x00\x18\x00\x00\x01\x02\x00\xe8\x03\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf 'Seed\x001.0\x00\x00'
    # type 1 (system) with a UUID
    printf '\x01\x1b\x01\x00\x01\x02\x00\x00\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef\x06\x00\x00'
    printf 'Vendor\x00Box\x00\x00'
    # type 17 (memory device): 8192 MB
    printf '\x11\x28\x02\x00\x00\x00\xfe\xff\x40\x00\x40\x00\x00\x20\x09\x00\x01\x00\x1a\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf '\x00\x00'
    printf '\x7f\x04\x03\x00\x00\x00'
} > capsule_and_smbios/smbios.bin

du -sh ./*/ | sed 's/^/seeds: /'
