//! Finding the boot loaders an ESP ships, as IPA does: a shim `BOOTX64.CSV` names the loader
//! and its label; else `EFI/<vendor>/shimx64.efi`, else `grubx64.efi`; else the removable-media
//! fallback `EFI/BOOT/BOOTX64.EFI`.

use crate::le;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Loader {
    /// Firmware path on the ESP, with backslashes: `\EFI\debian\shimx64.efi`.
    pub path: String,
    pub label: String,
    /// Which rule found it.
    pub found_by: FoundBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FoundBy {
    BootCsv,
    Shim,
    Grub,
    Fallback,
}

/// One line of a shim CSV: `filename,label,options,description`, UTF-16LE with or without a
/// BOM (shim's own files carry one). Returns (filename, label) of the first usable line.
pub fn parse_boot_csv(bytes: &[u8]) -> Option<(String, String)> {
    let units: Vec<u16> = le::u16s(bytes).collect();
    let text = String::from_utf16_lossy(&units);
    let text = text.trim_start_matches('\u{feff}');
    text.lines().find_map(|line| {
        let mut f = line.splitn(4, ',');
        let file = f.next()?.trim();
        let label = f.next()?.trim();
        (!file.is_empty() && !file.contains(['/', '\\']) && !label.is_empty())
            .then(|| (file.to_string(), label.to_string()))
    })
}

fn find<'a>(files: &'a [String], wanted: &str) -> Option<&'a String> {
    files.iter().find(|f| f.eq_ignore_ascii_case(wanted))
}

fn firmware_path(p: &str) -> String {
    format!("\\{}", p.replace('/', "\\"))
}

/// The loaders to register, given every file path on the ESP (`EFI/debian/shimx64.efi`) and
/// a reader of a file's bytes. FAT is case-insensitive, so names are compared that way.
pub fn find_loaders(
    files: &[String],
    read: impl Fn(&str) -> Option<Vec<u8>>,
    default_label: &str,
) -> Vec<Loader> {
    let mut vendors: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| {
            let parts: Vec<&str> = f.split('/').collect();
            (parts.len() == 3 && parts[0].eq_ignore_ascii_case("EFI"))
                .then(|| (parts[1].to_string(), parts[2].to_string()))
        })
        .collect();
    vendors.sort();
    let dirs: Vec<String> = {
        let mut d: Vec<String> = vendors
            .iter()
            .map(|(v, _)| v.clone())
            .filter(|v| !v.eq_ignore_ascii_case("BOOT"))
            .collect();
        d.dedup();
        d
    };
    // 1. Shim's CSV files are authoritative about loader and label.
    let mut out = Vec::new();
    for dir in &dirs {
        if let Some(csv) = find(files, &format!("EFI/{dir}/BOOTX64.CSV"))
            && let Some((file, label)) = read(csv).as_deref().and_then(parse_boot_csv)
            && let Some(target) = find(files, &format!("EFI/{dir}/{file}"))
        {
            out.push(Loader {
                path: firmware_path(target),
                label,
                found_by: FoundBy::BootCsv,
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    // 2. A vendor directory's shim, else its grub.
    for dir in &dirs {
        let hit = find(files, &format!("EFI/{dir}/shimx64.efi"))
            .map(|p| (p, FoundBy::Shim))
            .or_else(|| find(files, &format!("EFI/{dir}/grubx64.efi")).map(|p| (p, FoundBy::Grub)));
        if let Some((p, found_by)) = hit {
            out.push(Loader {
                path: firmware_path(p),
                label: if dirs.len() == 1 {
                    default_label.to_string()
                } else {
                    format!("{default_label} ({dir})")
                },
                found_by,
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    // 3. The removable-media path.
    find(files, "EFI/BOOT/BOOTX64.EFI")
        .map(|p| Loader {
            path: firmware_path(p),
            label: default_label.to_string(),
            found_by: FoundBy::Fallback,
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xff, 0xfe] } else { vec![] };
        v.extend(s.encode_utf16().flat_map(|u| u.to_le_bytes()));
        v
    }

    #[test]
    fn csv_with_and_without_bom() {
        // What Debian's shim-signed ships in EFI/debian/BOOTX64.CSV.
        let line = "shimx64.efi,debian,,This is the boot entry for debian\n";
        let want = Some(("shimx64.efi".to_string(), "debian".to_string()));
        assert_eq!(parse_boot_csv(&utf16(line, true)), want);
        assert_eq!(parse_boot_csv(&utf16(line, false)), want);
        assert_eq!(
            parse_boot_csv(&utf16("\r\nshimx64.efi,debian\r\n", true)),
            want
        );
        assert_eq!(parse_boot_csv(&utf16("no commas here", true)), None);
        assert_eq!(parse_boot_csv(&utf16("../x.efi,evil", true)), None);
        assert_eq!(parse_boot_csv(&[0xff]), None);
    }

    fn files(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_wins_over_shim_and_fallback() {
        let f = files(&[
            "EFI/BOOT/BOOTX64.EFI",
            "EFI/debian/BOOTX64.CSV",
            "EFI/debian/shimx64.efi",
            "EFI/debian/grubx64.efi",
        ]);
        let l = find_loaders(
            &f,
            |p| (p == "EFI/debian/BOOTX64.CSV").then(|| utf16("shimx64.efi,Debian GNU\n", true)),
            "ironbox",
        );
        assert_eq!(
            l,
            [Loader {
                path: r"\EFI\debian\shimx64.efi".into(),
                label: "Debian GNU".into(),
                found_by: FoundBy::BootCsv
            }]
        );
    }

    #[test]
    fn shim_then_grub_then_fallback() {
        let none = |_: &str| None;
        let l = find_loaders(&files(&["EFI/debian/grubx64.efi"]), none, "ironbox");
        assert_eq!(
            (l[0].path.as_str(), l[0].found_by),
            (r"\EFI\debian\grubx64.efi", FoundBy::Grub)
        );
        let l = find_loaders(
            &files(&["EFI/fedora/grubx64.efi", "EFI/fedora/SHIMX64.EFI"]),
            none,
            "ironbox",
        );
        assert_eq!(
            (l[0].path.as_str(), l[0].found_by),
            (r"\EFI\fedora\SHIMX64.EFI", FoundBy::Shim)
        );
        let l = find_loaders(
            &files(&["EFI/BOOT/BOOTX64.EFI", "EFI/BOOT/grubx64.efi"]),
            none,
            "ironbox",
        );
        assert_eq!(
            (l[0].path.as_str(), l[0].found_by),
            (r"\EFI\BOOT\BOOTX64.EFI", FoundBy::Fallback)
        );
        assert!(find_loaders(&files(&["EFI/debian/grub.cfg"]), none, "ironbox").is_empty());
    }
}
