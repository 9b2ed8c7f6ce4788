//! `ironbox bootloader uefi`: register the loaders a disk's ESP ships as Boot#### entries and
//! put them first in BootOrder, reusing entries that already point at the same loader.

use super::device_path::{DevicePath, HardDrive, Node};
use super::load_option::{ACTIVE, LoadOption};
use super::loaders::{self, Loader};
use super::nvram::{self, EntryReport};
use super::{EfivarsArg, boot_order, esp};
use crate::disk::{DiskArgs, open, resolve_target};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::efivars;
use serde::Serialize;

#[derive(clap::Args, Debug, Clone)]
pub struct UefiArgs {
    #[command(flatten)]
    pub disk: DiskArgs,
    /// Description of the entries made (default: the label in the image's BOOTX64.CSV, else
    /// "ironbox")
    #[arg(long, value_name = "NAME")]
    pub label: Option<String>,
    /// Validate and print the plan; write no variable
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub efivars: EfivarsArg,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UefiReport {
    pub disk: String,
    pub dry_run: bool,
    pub esp: esp::Esp,
    pub loaders: Vec<Loader>,
    pub created: Vec<EntryReport>,
    pub reused: Vec<EntryReport>,
    /// Entries with the same description that pointed elsewhere (IPA replaces those).
    pub removed: Vec<EntryReport>,
    pub boot_order_before: Vec<String>,
    pub boot_order: Vec<String>,
}

fn same_loader(o: &LoadOption, esp: &esp::Esp, path: &str) -> bool {
    o.path
        .hard_drive()
        .is_some_and(|h| h.partuuid == esp.partuuid_bytes)
        && o.path.file().is_some_and(|f| f.eq_ignore_ascii_case(path))
}

/// The boot loaders the disk's ESP ships.
struct Found {
    disk: String,
    esp: esp::Esp,
    loaders: Vec<Loader>,
}

/// A Boot#### entry to write.
struct NewEntry {
    number: u16,
    option: LoadOption,
}

/// What the NVRAM is to become: the entries reused, made and removed.
#[derive(Default)]
struct Changes {
    created: Vec<EntryReport>,
    reused: Vec<EntryReport>,
    removed: Vec<EntryReport>,
    /// The entries of the loaders, in the loaders' order: these go first in BootOrder.
    first: Vec<u16>,
    to_remove: Vec<u16>,
    to_write: Vec<NewEntry>,
}

pub fn run(a: &UefiArgs) -> Result<UefiReport> {
    let vars = nvram::open(&a.efivars.efivars)?;
    let found = find(a)?;
    let entries = nvram::read_entries(&vars)?;
    let order_before = nvram::read_order(&vars)?;
    let changes = plan(&found, &entries)?;
    let order = boot_order::put_first(
        &boot_order::without(&order_before, &changes.to_remove),
        &changes.first,
    );
    if !a.dry_run {
        write(&vars, &changes, &order)?;
    }
    Ok(UefiReport {
        disk: found.disk,
        dry_run: a.dry_run,
        esp: found.esp,
        loaders: found.loaders,
        created: changes.created,
        reused: changes.reused,
        removed: changes.removed,
        boot_order_before: nvram::order_names(&order_before),
        boot_order: nvram::order_names(&order),
    })
}

fn find(a: &UefiArgs) -> Result<Found> {
    let target = resolve_target(&a.disk)?;
    let dev = &target.device;
    let shown = dev.path.display().to_string();
    let mut f = open::open_for_read(&dev.path)?;
    let esp = esp::find(dev, &mut f)?;
    let files = esp::read_files(&mut f, &esp)?;
    let names: Vec<String> = files.keys().cloned().collect();
    let default_label = a.label.as_deref().unwrap_or("ironbox");
    let mut found = loaders::find_loaders(&names, |p| files.get(p).cloned(), default_label);
    if found.is_empty() {
        return Err(IronError::new(
            Kind::NotFound,
            format!(
                "the ESP (partition {}) of {shown} holds no boot loader: no EFI/*/BOOTX64.CSV, \
                 EFI/<vendor>/shimx64.efi or grubx64.efi, nor EFI/BOOT/BOOTX64.EFI",
                esp.number
            ),
        )
        .with(Key::Device, &shown)
        .with(Key::Files, &names));
    }
    if let Some(l) = &a.label {
        found.iter_mut().for_each(|x| x.label = l.clone());
    }
    Ok(Found {
        disk: shown,
        esp,
        loaders: found,
    })
}

/// Reuses the entry already pointing at each loader; else makes one, replacing the entries
/// with the same description.
fn plan(found: &Found, entries: &[nvram::Entry]) -> Result<Changes> {
    let esp = &found.esp;
    let mut used: Vec<u16> = entries.iter().map(|e| e.number).collect();
    let mut changes = Changes::default();
    for l in &found.loaders {
        if let Some(e) = entries.iter().find(|e| {
            e.option
                .as_ref()
                .is_some_and(|o| same_loader(o, esp, &l.path))
        }) {
            changes.reused.push(e.report());
            changes.first.push(e.number);
            continue;
        }
        for e in entries {
            if e.option.as_ref().is_some_and(|o| o.description == l.label)
                && !changes.to_remove.contains(&e.number)
            {
                changes.to_remove.push(e.number);
                changes.removed.push(e.report());
            }
        }
        let n = boot_order::free_number(&used).ok_or_else(|| {
            IronError::new(Kind::NoSpace, "all 65536 Boot#### numbers are in use")
        })?;
        used.push(n);
        let option = load_option(esp, l);
        changes.created.push(
            nvram::Entry {
                number: n,
                option: Some(option.clone()),
            }
            .report(),
        );
        changes.first.push(n);
        changes.to_write.push(NewEntry { number: n, option });
    }
    Ok(changes)
}

fn load_option(esp: &esp::Esp, l: &Loader) -> LoadOption {
    LoadOption {
        attributes: ACTIVE,
        description: l.label.clone(),
        path: DevicePath(vec![
            Node::HardDrive(HardDrive {
                number: esp.number,
                start_lba: esp.start_lba,
                size_lba: esp.size_lba,
                partuuid: esp.partuuid_bytes,
            }),
            Node::File(l.path.clone()),
        ]),
        optional_data: Vec::new(),
    }
}

/// Removals first, then the new entries, then BootOrder (which names them).
fn write(vars: &efivars::EfiVars, changes: &Changes, order: &[u16]) -> Result<()> {
    nvram::remove(vars, &changes.to_remove)?;
    for e in &changes.to_write {
        let name = boot_order::var_name(e.number);
        vars.write(&name, efivars::NV_BS_RT, &e.option.encode())
            .map_err(|err| IronError::io(format!("cannot write {name}"), err))?;
    }
    nvram::write_order(vars, order)
}
