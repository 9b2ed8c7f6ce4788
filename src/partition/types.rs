//! Partition types by name: the Discoverable Partitions Specification's GPT type GUIDs plus the
//! firmware ones (ESP, BIOS boot, PReP), and the MBR type bytes the same names map to.

use crate::disk::mbr_type::MbrType;

/// (name, GPT type GUID). Names follow systemd-repart's (`root-x86-64`, `usr-arm64-verity`).
pub const GPT_TYPES: &[(&str, &str)] = &[
    ("esp", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"),
    ("xbootldr", "BC13C2FF-59E6-4262-A352-B275FD6F7172"),
    ("bios-boot", "21686148-6449-6E6F-744E-656564454649"),
    ("prep", "9E1A2D38-C612-4316-AA26-8B49521E5A8B"),
    ("linux", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"),
    ("swap", "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"),
    ("lvm", "E6D6D379-F507-44C2-A23C-238F2A3DF928"),
    ("raid", "A19D880F-05FC-4D3B-A006-743F0F84911E"),
    ("home", "933AC7E1-2EB4-4F13-B844-0E14E2AEF915"),
    ("user-home", "773F91EF-66D4-49B5-BD83-D683BF40AD16"),
    ("srv", "3B8F8425-20E0-4F3B-907F-1A25A76F98E8"),
    ("var", "4D21B016-B534-45C2-A9FB-5C16E091FD2D"),
    ("tmp", "7EC6F557-3BC5-4ACA-B293-16EF5DF639D1"),
    ("linux-reserved", "8DA63339-0007-60C0-C436-083AC8230908"),
    (
        "microsoft-basic-data",
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
    ),
    ("microsoft-reserved", "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"),
    ("root-x86", "44479540-F297-41B2-9AF7-D131D5F0458A"),
    ("root-x86-64", "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"),
    ("root-alpha", "6523F8AE-3EB1-4E2A-A05A-18B695AE656F"),
    ("root-arc", "D27F46ED-2919-4CB8-BD25-9531F3C16534"),
    ("root-arm", "69DAD710-2CE4-4E3C-B16C-21A1D49ABED3"),
    ("root-arm64", "B921B045-1DF0-41C3-AF44-4C6F280D3FAE"),
    ("root-ia64", "993D8D3D-F80E-4225-855A-9DAF8ED7EA97"),
    ("root-loongarch64", "77055800-792C-4F94-B39A-98C91B762BB6"),
    ("root-mips-le", "37C58C8A-D913-4156-A25F-48B1B64E07F0"),
    ("root-mips64-le", "700BDA43-7A34-4507-B179-EEB93D7A7CA3"),
    ("root-ppc", "1DE3F1EF-FA98-47B5-8DCD-4A860A654D78"),
    ("root-ppc64", "912ADE1D-A839-4913-8964-A10EEE08FBD2"),
    ("root-ppc64-le", "C31C45E6-3F39-412E-80FB-4809C4980599"),
    ("root-riscv32", "60D5A7FE-8E7D-435C-B714-3DD8162144E1"),
    ("root-riscv64", "72EC70A6-CF74-40E6-BD49-4BDA08E8F224"),
    ("root-s390", "08A7ACEA-624C-4A20-91E8-6E0FA67D23F9"),
    ("root-s390x", "5EEAD9A9-FE09-4A1E-A1D7-520D00531306"),
    ("root-tilegx", "C50CDD70-3862-4CC3-90E1-809A8C93EE2C"),
    ("usr-x86", "75250D76-8CC6-458E-BD66-BD47CC81A812"),
    ("usr-x86-64", "8484680C-9521-48C6-9C11-B0720656F69E"),
    ("usr-alpha", "E18CF08C-33EC-4C0D-8246-C6C6FB3DA024"),
    ("usr-arc", "7978A683-6316-4922-BBEE-38BFF5A2FECC"),
    ("usr-arm", "7D0359A3-02B3-4F0A-865C-654403E70625"),
    ("usr-arm64", "B0E01050-EE5F-4390-949A-9101B17104E9"),
    ("usr-ia64", "4301D2A6-4E3B-4B2A-BB94-9E0B2C4225EA"),
    ("usr-loongarch64", "E611C702-575C-4CBE-9A46-434FA0BF7E3F"),
    ("usr-mips-le", "0F4868E9-9952-4706-979F-3ED3A473E947"),
    ("usr-mips64-le", "C97C1F32-BA06-40B4-9F22-236061B08AA8"),
    ("usr-ppc", "7D14FEC5-CC71-415D-9D6C-06BF0B3C3EAF"),
    ("usr-ppc64", "2C9739E2-F068-46B3-9FD0-01C5A9AFBCCA"),
    ("usr-ppc64-le", "15BB03AF-77E7-4D4A-B12B-C0D084F7491C"),
    ("usr-riscv32", "B933FB22-5C3F-4F91-AF90-E2BB0FA50702"),
    ("usr-riscv64", "BEAEC34B-8442-439B-A40B-984381ED097D"),
    ("usr-s390", "CD0F869B-D0FB-4CA0-B141-9EA87CC78D66"),
    ("usr-s390x", "8A4F5770-50AA-4ED3-874A-99B710DB6FEA"),
    ("usr-tilegx", "55497029-C7C1-44CC-AA39-815ED1558630"),
    ("root-x86-verity", "D13C5D3B-B5D1-422A-B29F-9454FDC89D76"),
    ("root-x86-64-verity", "2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5"),
    ("root-alpha-verity", "FC56D9E9-E6E5-4C06-BE32-E74407CE09A5"),
    ("root-arc-verity", "24B2D975-0F97-4521-AFA1-CD531E421B8D"),
    ("root-arm-verity", "7386CDF2-203C-47A9-A498-F2ECCE45A2D6"),
    ("root-arm64-verity", "DF3300CE-D69F-4C92-978C-9BFB0F38D820"),
    ("root-ia64-verity", "86ED10D5-B607-45BB-8957-D350F23D0571"),
    (
        "root-loongarch64-verity",
        "F3393B22-E9AF-4613-A948-9D3BFBD0C535",
    ),
    (
        "root-mips-le-verity",
        "D7D150D2-2A04-4A33-8F12-16651205FF7B",
    ),
    (
        "root-mips64-le-verity",
        "16B417F8-3E06-4F57-8DD2-9B5232F41AA6",
    ),
    ("root-ppc-verity", "98CFE649-1588-46DC-B2F0-ADD147424925"),
    ("root-ppc64-verity", "9225A9A3-3C19-4D89-B4F6-EEFF88F17631"),
    (
        "root-ppc64-le-verity",
        "906BD944-4589-4AAE-A4E4-DD983917446A",
    ),
    (
        "root-riscv32-verity",
        "AE0253BE-1167-4007-AC68-43926C14C5DE",
    ),
    (
        "root-riscv64-verity",
        "B6ED5582-440B-4209-B8DA-5FF7C419EA3D",
    ),
    ("root-s390-verity", "7AC63B47-B25C-463B-8DF8-B4A94E6C90E1"),
    ("root-s390x-verity", "B325BFBE-C7BE-4AB8-8357-139E652D2F6B"),
    ("root-tilegx-verity", "966061EC-28E4-4B2E-B4A5-1F0A825A1D84"),
    ("usr-x86-verity", "8F461B0D-14EE-4E81-9AA9-049B6FB97ABD"),
    ("usr-x86-64-verity", "77FF5F63-E7B6-4633-ACF4-1565B864C0E6"),
    ("usr-alpha-verity", "8CCE0D25-C0D0-4A44-BD87-46331BF1DF67"),
    ("usr-arc-verity", "FCA0598C-D880-4591-8C16-4EDA05C7347C"),
    ("usr-arm-verity", "C215D751-7BCD-4649-BE90-6627490A4C05"),
    ("usr-arm64-verity", "6E11A4E7-FBCA-4DED-B9E9-E1A512BB664E"),
    ("usr-ia64-verity", "6A491E03-3BE7-4545-8E38-83320E0EA880"),
    (
        "usr-loongarch64-verity",
        "F46B2C26-59AE-48F0-9106-C50ED47F673D",
    ),
    ("usr-mips-le-verity", "46B98D8D-B55C-4E8F-AAB3-37FCA7F80752"),
    (
        "usr-mips64-le-verity",
        "3C3D61FE-B5F3-414D-BB71-8739A694A4EF",
    ),
    ("usr-ppc-verity", "DF765D00-270E-49E5-BC75-F47BB2118B09"),
    ("usr-ppc64-verity", "BDB528A5-A259-475F-A87D-DA53FA736A07"),
    (
        "usr-ppc64-le-verity",
        "EE2B9983-21E8-4153-86D9-B6901A54D1CE",
    ),
    ("usr-riscv32-verity", "CB1EE4E3-8CD0-4136-A0A4-AA61A32E8730"),
    ("usr-riscv64-verity", "8F1056BE-9B05-47C4-81D6-BE53128E5B54"),
    ("usr-s390-verity", "B663C618-E7BC-4D6D-90AA-11B756BB1797"),
    ("usr-s390x-verity", "31741CC4-1A2A-4111-A581-E00B447D2D06"),
    ("usr-tilegx-verity", "2FB4BF56-07FA-42DA-8132-6B139F2026AE"),
    (
        "root-x86-verity-sig",
        "5996FC05-109C-48DE-808B-23FA0830B676",
    ),
    (
        "root-x86-64-verity-sig",
        "41092B05-9FC8-4523-994F-2DEF0408B176",
    ),
    (
        "root-alpha-verity-sig",
        "D46495B7-A053-414F-80F7-700C99921EF8",
    ),
    (
        "root-arc-verity-sig",
        "143A70BA-CBD3-4F06-919F-6C05683A78BC",
    ),
    (
        "root-arm-verity-sig",
        "42B0455F-EB11-491D-98D3-56145BA9D037",
    ),
    (
        "root-arm64-verity-sig",
        "6DB69DE6-29F4-4758-A7A5-962190F00CE3",
    ),
    (
        "root-ia64-verity-sig",
        "E98B36EE-32BA-4882-9B12-0CE14655F46A",
    ),
    (
        "root-loongarch64-verity-sig",
        "5AFB67EB-ECC8-4F85-AE8E-AC1E7C50E7D0",
    ),
    (
        "root-mips-le-verity-sig",
        "C919CC1F-4456-4EFF-918C-F75E94525CA5",
    ),
    (
        "root-mips64-le-verity-sig",
        "904E58EF-5C65-4A31-9C57-6AF5FC7C5DE7",
    ),
    (
        "root-ppc-verity-sig",
        "1B31B5AA-ADD9-463A-B2ED-BD467FC857E7",
    ),
    (
        "root-ppc64-verity-sig",
        "F5E2C20C-45B2-4FFA-BCE9-2A60737E1AAF",
    ),
    (
        "root-ppc64-le-verity-sig",
        "D4A236E7-E873-4C07-BF1D-BF6CF7F1C3C6",
    ),
    (
        "root-riscv32-verity-sig",
        "3A112A75-8729-4380-B4CF-764D79934448",
    ),
    (
        "root-riscv64-verity-sig",
        "EFE0F087-EA8D-4469-821A-4C2A96A8386A",
    ),
    (
        "root-s390-verity-sig",
        "3482388E-4254-435A-A241-766A065F9960",
    ),
    (
        "root-s390x-verity-sig",
        "C80187A5-73A3-491A-901A-017C3FA953E9",
    ),
    (
        "root-tilegx-verity-sig",
        "B3671439-97B0-4A53-90F7-2D5A8F3AD47B",
    ),
    ("usr-x86-verity-sig", "974A71C0-DE41-43C3-BE5D-5C5CCD1AD2C0"),
    (
        "usr-x86-64-verity-sig",
        "E7BB33FB-06CF-4E81-8273-E543B413E2E2",
    ),
    (
        "usr-alpha-verity-sig",
        "5C6E1C76-076A-457A-A0FE-F3B4CD21CE6E",
    ),
    ("usr-arc-verity-sig", "94F9A9A1-9971-427A-A400-50CB297F0F35"),
    ("usr-arm-verity-sig", "D7FF812F-37D1-4902-A810-D76BA57B975A"),
    (
        "usr-arm64-verity-sig",
        "C23CE4FF-44BD-4B00-B2D4-B41B3419E02A",
    ),
    (
        "usr-ia64-verity-sig",
        "8DE58BC2-2A43-460D-B14E-A76E4A17B47F",
    ),
    (
        "usr-loongarch64-verity-sig",
        "B024F315-D330-444C-8461-44BBDE524E99",
    ),
    (
        "usr-mips-le-verity-sig",
        "3E23CA0B-A4BC-4B4E-8087-5AB6A26AA8A9",
    ),
    (
        "usr-mips64-le-verity-sig",
        "F2C2C7EE-ADCC-4351-B5C6-EE9816B66E16",
    ),
    ("usr-ppc-verity-sig", "7007891D-D371-4A80-86A4-5CB875B9302E"),
    (
        "usr-ppc64-verity-sig",
        "0B888863-D7F8-4D9E-9766-239FCE4D58AF",
    ),
    (
        "usr-ppc64-le-verity-sig",
        "C8BFBD1E-268E-4521-8BBA-BF314C399557",
    ),
    (
        "usr-riscv32-verity-sig",
        "C3836A13-3137-45BA-B583-B16C50FE5EB4",
    ),
    (
        "usr-riscv64-verity-sig",
        "D2F9000A-7A18-453F-B5CD-4D32F77A7B32",
    ),
    (
        "usr-s390-verity-sig",
        "17440E4F-A8D0-467F-A46E-3912AE6EF2C5",
    ),
    (
        "usr-s390x-verity-sig",
        "3F324816-667B-46AE-86EE-9B0C0C6C11B4",
    ),
    (
        "usr-tilegx-verity-sig",
        "4EDE75E2-6CCC-4CC8-B9C7-70334B087510",
    ),
];

/// (name, MBR type byte) for `table: msdos`. DPS names without an MBR type map to 0x83 (Linux).
pub const MBR_TYPES: &[(&str, MbrType)] = &[
    ("linux", MbrType::LINUX),
    ("swap", MbrType(0x82)),
    ("lvm", MbrType(0x8e)),
    ("raid", MbrType(0xfd)),
    ("esp", MbrType(0xef)),
    ("prep", MbrType(0x41)),
    ("extended", MbrType::EXTENDED),
    ("microsoft-basic-data", MbrType(0x07)),
];

/// A resolved type: what goes into the table entry.
pub use crate::disk::write_table::EntryType as PartType;

/// Resolves a layout's `type` for a table (`gpt` or `msdos`); Err names what is accepted.
pub fn resolve(name: &str, gpt: bool) -> Result<PartType, String> {
    let n = name.trim().to_ascii_lowercase();
    if gpt {
        if let Some((_, g)) = GPT_TYPES.iter().find(|(k, _)| *k == n) {
            return Ok(PartType::Guid(
                crate::disk::guid::parse(g).expect("valid table GUID"),
            ));
        }
        if let Some(g) = crate::disk::guid::parse(&n) {
            return Ok(PartType::Guid(g));
        }
        return Err(format!(
            "unknown gpt partition type {name:?} (a name such as esp, linux, swap, root-x86-64, or a type GUID)"
        ));
    }
    if let Some((_, b)) = MBR_TYPES.iter().find(|(k, _)| *k == n) {
        return Ok(PartType::Byte(*b));
    }
    if let Ok(b) = n.parse::<MbrType>() {
        if b == MbrType::EMPTY {
            return Err("mbr type byte 0x00 marks an unused entry".to_string());
        }
        if b.is_extended() {
            return Err(format!(
                "type {name} is an extended partition; ironbox creates it itself beyond 4 partitions"
            ));
        }
        return Ok(PartType::Byte(b));
    }
    // Linux data types of the DPS have no MBR code of their own: plain Linux.
    if n != "bios-boot" && GPT_TYPES.iter().any(|(k, _)| *k == n) {
        return Ok(PartType::Byte(MbrType::LINUX));
    }
    Err(format!(
        "unknown msdos partition type {name:?} (a name such as linux, swap, lvm, raid, esp, or a type byte such as \"0x83\")"
    ))
}

/// The name a report shows for a type, or None for types without one.
pub fn name_of(t: PartType) -> Option<&'static str> {
    match t {
        PartType::Guid(g) => {
            let s = crate::disk::guid::to_string(&g);
            GPT_TYPES.iter().find(|(_, v)| *v == s).map(|(k, _)| *k)
        }
        PartType::Byte(b) if b.is_extended() => Some("extended"),
        PartType::Byte(b) => MBR_TYPES.iter().find(|(_, v)| *v == b).map(|(k, _)| *k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_guids_and_bytes() {
        let esp = resolve("esp", true).unwrap();
        assert_eq!(name_of(esp), Some("esp"));
        assert_eq!(resolve("ESP", true).unwrap(), esp);
        assert_eq!(
            resolve("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", true).unwrap(),
            esp
        );
        assert_eq!(
            resolve("root-x86-64", false),
            Ok(PartType::Byte(MbrType::LINUX))
        );
        assert_eq!(resolve("0x8e", false), Ok(PartType::Byte(MbrType(0x8e))));
        assert!(resolve("0x83", true).is_err());
        assert!(resolve("bios-boot", false).is_err());
        assert!(resolve("0x05", false).is_err());
        assert!(resolve("nonsense", true).is_err());
        let mut names: Vec<_> = GPT_TYPES.iter().map(|(k, _)| *k).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), GPT_TYPES.len(), "duplicate type names");
        for (_, g) in GPT_TYPES {
            assert!(crate::disk::guid::parse(g).is_some(), "{g}");
        }
    }
}
