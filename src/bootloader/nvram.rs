//! The boot entries in NVRAM as ironbox sees them: every Boot#### decoded, plus BootOrder.

use super::boot_order;
use super::load_option::{ACTIVE, LoadOption};
use crate::report::{IronError, Key, Kind, Result};
use crate::sys::efivars::{self, EfiVars};
use serde::Serialize;
use std::path::Path;

pub struct Entry {
    pub number: u16,
    /// None when the variable does not decode as a load option (kept, never matched).
    pub option: Option<LoadOption>,
}

/// An entry as reports show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EntryReport {
    /// `Boot0004`.
    pub name: String,
    pub description: Option<String>,
    /// The device path as efibootmgr -v prints it.
    pub device_path: Option<String>,
    pub active: bool,
}

impl Entry {
    pub fn report(&self) -> EntryReport {
        EntryReport {
            name: boot_order::var_name(self.number),
            description: self.option.as_ref().map(|o| o.description.clone()),
            device_path: self.option.as_ref().map(|o| o.path.to_string()),
            active: self
                .option
                .as_ref()
                .is_some_and(|o| o.attributes & ACTIVE != 0),
        }
    }
}

/// Opens the variable store; refuses when this is not a UEFI boot. The default location must
/// be a mounted efivarfs; a directory given for tests need only exist.
pub fn open(dir: &Path) -> Result<EfiVars> {
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("no UEFI variables at {shown}: the machine was not booted in UEFI mode"),
        )
        .with(Key::Efivars, &shown));
    }
    if dir == Path::new(efivars::DEFAULT_DIR) && !efivars::is_efivarfs(dir) {
        return Err(IronError::new(
            Kind::Unsupported,
            format!("{shown} is not a mounted efivarfs (mount -t efivarfs efivarfs {shown})"),
        )
        .with(Key::Efivars, &shown));
    }
    Ok(EfiVars::new(dir))
}

pub fn read_entries(vars: &EfiVars) -> Result<Vec<Entry>> {
    let names = vars
        .global_names()
        .map_err(|e| IronError::io("cannot list the UEFI variables", e))?;
    let mut out = Vec::new();
    for name in names {
        let Some(number) = boot_order::parse_var_name(&name) else {
            continue;
        };
        let data = vars
            .read(&name)
            .map_err(|e| IronError::io(format!("cannot read {name}"), e))?;
        out.push(Entry {
            number,
            option: data.and_then(|(_, d)| LoadOption::decode(&d)),
        });
    }
    Ok(out)
}

pub fn read_order(vars: &EfiVars) -> Result<Vec<u16>> {
    Ok(vars
        .read("BootOrder")
        .map_err(|e| IronError::io("cannot read BootOrder", e))?
        .map(|(_, d)| boot_order::decode(&d))
        .unwrap_or_default())
}

pub fn write_order(vars: &EfiVars, order: &[u16]) -> Result<()> {
    vars.write("BootOrder", efivars::NV_BS_RT, &boot_order::encode(order))
        .map_err(|e| IronError::io("cannot write BootOrder", e))
}

/// Deletes entries and takes them out of BootOrder (and BootNext when it named one).
pub fn remove(vars: &EfiVars, numbers: &[u16]) -> Result<()> {
    if numbers.is_empty() {
        return Ok(());
    }
    for &n in numbers {
        let name = boot_order::var_name(n);
        vars.delete(&name)
            .map_err(|e| IronError::io(format!("cannot delete {name}"), e))?;
    }
    let order = read_order(vars)?;
    write_order(vars, &boot_order::without(&order, numbers))?;
    if let Ok(Some((_, next))) = vars.read("BootNext")
        && boot_order::decode(&next)
            .first()
            .is_some_and(|n| numbers.contains(n))
    {
        vars.delete("BootNext")
            .map_err(|e| IronError::io("cannot delete BootNext", e))?;
    }
    Ok(())
}

pub fn order_names(order: &[u16]) -> Vec<String> {
    order.iter().map(|&n| boot_order::var_name(n)).collect()
}
