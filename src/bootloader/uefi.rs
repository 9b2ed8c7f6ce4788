//! `ironbox bootloader uefi`: register the loaders a disk's ESP ships as Boot#### entries and
//! put them first in BootOrder, reusing entries that already point at the same loader.

use super::device_path::{DevicePath, HardDrive, Node};
use super::load_option::{ACTIVE, LoadOption};
use super::loaders::{self, Loader};
use super::nvram::{self, EntryReport};
use super::{EfivarsArg, boot_order, esp};
use crate::disk::{DiskArgs, open, resolve_target};
use crate::report::{IronError, Kind, Result};
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

pub fn run(a: &UefiArgs) -> Result<UefiReport> {
    let vars = nvram::open(&a.efivars.efivars)?;
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
        .with("device", &shown)
        .with("files", &names));
    }
    if let Some(l) = &a.label {
        found.iter_mut().for_each(|x| x.label = l.clone());
    }

    let entries = nvram::read_entries(&vars)?;
    let order_before = nvram::read_order(&vars)?;
    let mut used: Vec<u16> = entries.iter().map(|e| e.number).collect();
    let (mut created, mut reused, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    let mut first = Vec::new();
    let mut to_remove = Vec::new();
    let mut to_write = Vec::new();
    for l in &found {
        if let Some(e) = entries.iter().find(|e| {
            e.option
                .as_ref()
                .is_some_and(|o| same_loader(o, &esp, &l.path))
        }) {
            reused.push(e.report());
            first.push(e.number);
            continue;
        }
        for e in &entries {
            if e.option.as_ref().is_some_and(|o| o.description == l.label)
                && !to_remove.contains(&e.number)
            {
                to_remove.push(e.number);
                removed.push(e.report());
            }
        }
        let n = boot_order::free_number(&used).ok_or_else(|| {
            IronError::new(Kind::NoSpace, "all 65536 Boot#### numbers are in use")
        })?;
        used.push(n);
        let option = LoadOption {
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
        };
        created.push(
            nvram::Entry {
                number: n,
                option: Some(option.clone()),
            }
            .report(),
        );
        first.push(n);
        to_write.push((n, option));
    }
    let order = boot_order::put_first(&boot_order::without(&order_before, &to_remove), &first);

    if !a.dry_run {
        nvram::remove(&vars, &to_remove)?;
        for (n, option) in &to_write {
            let name = boot_order::var_name(*n);
            vars.write(&name, efivars::NV_BS_RT, &option.encode())
                .map_err(|e| IronError::io(format!("cannot write {name}"), e))?;
        }
        nvram::write_order(&vars, &order)?;
    }
    let report = UefiReport {
        disk: shown,
        dry_run: a.dry_run,
        esp,
        loaders: found,
        created,
        reused,
        removed,
        boot_order_before: nvram::order_names(&order_before),
        boot_order: nvram::order_names(&order),
    };
    Ok(report)
}
