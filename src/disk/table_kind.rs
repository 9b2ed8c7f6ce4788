//! Which kind of partition table a disk carries or a layout asks for, as one value shared by the
//! table readers (disk), partition and configdrive, instead of `"gpt"`/`"msdos"` strings compared
//! by hand. Serialized and given on the command line (`--table`) as `gpt` or `msdos`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Gpt,
    Msdos,
}

impl TableKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Gpt => "gpt",
            TableKind::Msdos => "msdos",
        }
    }
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_the_same_in_json_on_the_command_line_and_in_messages() {
        use clap::ValueEnum;
        for (k, name) in [(TableKind::Gpt, "gpt"), (TableKind::Msdos, "msdos")] {
            assert_eq!(serde_json::to_value(k).unwrap(), name);
            assert_eq!(serde_json::from_value::<TableKind>(name.into()).unwrap(), k);
            assert_eq!(TableKind::from_str(name, false), Ok(k));
            assert_eq!(k.to_string(), name);
        }
    }
}
